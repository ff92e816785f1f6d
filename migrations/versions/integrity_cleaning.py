"""Optimistic locking on the edit forms that matter; stored text cleaned by the one rule (issue 12)

- `version` (optimistic locking, SQLAlchemy version_id_col) on beneficiary, committee_session,
  service_type and organisation_profile (application has one already);
- every text column of every table, except the audit trail (written, never edited), cleaned by
  text.cleaning.clean_input: NFC, no control characters (newline and tab kept in long text),
  no bidi overrides, trimmed. A row whose cleaned value would collide with another row's
  (a unique number) is left as it is.

Revision ID: integrity1
Revises: auth1
"""
import sqlalchemy as sa
from alembic import op

from text.cleaning import clean_input

revision = "integrity1"
down_revision = "auth1"
branch_labels = None
depends_on = None

VERSIONED = ("beneficiary", "committee_session", "service_type", "organisation_profile")
NOT_CLEANED = {"audit_entry", "alembic_version"}


def _clean_table(bind, table: sa.Table) -> None:
    columns = [c for c in table.columns if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Enum)]
    key = list(table.primary_key.columns)
    if not columns or not key:
        return
    rows = bind.execute(sa.select(*key, *columns)).all()
    for row in rows:
        values = row._mapping
        changed = {}
        for column in columns:
            value = values[column.name]
            cleaned = clean_input(value, multiline=isinstance(column.type, sa.Text))
            if cleaned != value:
                changed[column.name] = cleaned
        if not changed:
            continue
        condition = sa.and_(*[k == values[k.name] for k in key])
        savepoint = bind.begin_nested()
        try:
            bind.execute(table.update().where(condition).values(**changed))
            savepoint.commit()
        except sa.exc.IntegrityError:
            savepoint.rollback()


def upgrade():
    for name in VERSIONED:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    bind = op.get_bind()
    metadata = sa.MetaData()
    metadata.reflect(bind=bind)
    for table in metadata.sorted_tables:
        if table.name not in NOT_CLEANED:
            _clean_table(bind, table)


def downgrade():
    for name in reversed(VERSIONED):
        with op.batch_alter_table(name) as batch:
            batch.drop_column("version")
