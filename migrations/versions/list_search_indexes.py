"""Indexes for the request list by status and the audit trail's search (issue 7, PostgreSQL figures)

- application (status, received_at): the request list filtered by status in its default
  order (newest first) reads the matching rows in order and stops at the page; with only
  received_at, PostgreSQL walked 250,000 requests backwards to find 25 awaiting the
  committee in a city (148 ms). It replaces the single-column status index, which it and
  (status, decision_due) both begin with.
- audit_entry (record_id): the audit search box matches a record number exactly.
- PostgreSQL only: audit_entry.actor with text_pattern_ops, so "officer2" (the start of an
  email) is an index range whatever the database's collation; SQLite uses ix_audit_entry_actor.

Revision ID: perf3
Revises: perf2
"""
from alembic import op

revision = "perf3"
down_revision = "perf2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_application_status_received", "application", ["status", "received_at"])
    op.drop_index("ix_application_status", table_name="application")
    op.create_index("ix_audit_entry_record_id", "audit_entry", ["record_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_audit_entry_actor_pattern ON audit_entry (actor text_pattern_ops)")
    op.execute("ANALYZE application")
    op.execute("ANALYZE audit_entry")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_audit_entry_actor_pattern")
    op.drop_index("ix_audit_entry_record_id", table_name="audit_entry")
    op.create_index("ix_application_status", "application", ["status"])
    op.drop_index("ix_application_status_received", table_name="application")
