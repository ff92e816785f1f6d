"""Indexes for the slow pages found by the benchmark (issue 7)

- communication (application_id, at): a request's communications, newest first. With only
  ix_communication_at SQLite walked the whole table in time order (0.6 s at 186,000 rows).
- application (decided_at): the dashboard's and reports' "decided in the period".
- decision (application_id, outcome): the outcome of each request (EXISTS per request in
  reports and the dashboard) answered from the index alone.
- application (created_by_id, status): the officer's own open / incomplete requests.

Revision ID: perf1
Revises: reports1
"""
from alembic import op

revision = "perf1"
down_revision = "reports1"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_communication_application_at", "communication", ["application_id", "at"]),
    ("ix_application_decided_at", "application", ["decided_at"]),
    ("ix_decision_application_outcome", "decision", ["application_id", "outcome"]),
    ("ix_application_created_by_status", "application", ["created_by_id", "status"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    # Fresh statistics so the planner picks the new indexes (SQLite and PostgreSQL both know ANALYZE).
    for _name, table, _columns in INDEXES:
        op.execute(f"ANALYZE {table}")


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
