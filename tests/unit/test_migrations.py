"""The migrations build exactly the schema the models describe (SQLite and PostgreSQL).

The test database is made by running every migration (tests/conftest.py); if a
model changes without a migration, or a migration without its model, autogenerate
finds a difference here.
"""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from extensions import db

# Made by migrations bench1 and perf3 on PostgreSQL only (prefix search on reference numbers and
# on the audit trail's actor, whatever the collation); not in the models: SQLite has no such index type.
POSTGRES_ONLY_INDEXES = {"ix_application_reference_pattern", "ix_audit_entry_actor_pattern"}
# Made by migration speed2 on SQLite only (the registry's id order for deep pages from a narrow
# index; PostgreSQL's primary-key index serves it).
SQLITE_ONLY_INDEXES = {"ix_beneficiary_id_order"}


def _include(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES | SQLITE_ONLY_INDEXES)


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _include, "compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
