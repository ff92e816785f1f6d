"""The registry's order, newest registered first, from indexes (issue 16)

The beneficiary list is now ordered by id (registration order; Django's admin orders by -pk too),
so the name search reads its page in the matching ids' order instead of sorting every match by
date. Two indexes follow that order:

* (city, gender, id) replaces (city, gender, created_at, id): the city and gender filters read
  their page in the list's order and count from the index alone.
* On SQLite only, an index on id itself: deep pages ("page 2,000") skip 40,000 entries of this
  narrow index instead of 40,000 whole rows of the table (whose B-tree is in id order but holds
  the rows). PostgreSQL's primary-key index already serves that.

Revision ID: speed2
Revises: speed1
"""
from alembic import op

revision = "speed2"
down_revision = "speed1"
branch_labels = None
depends_on = None

SQLITE_ID_ORDER = "ix_beneficiary_id_order"  # tests/unit/test_migrations.py: not in the models


def upgrade():
    op.create_index("ix_beneficiary_city_gender_id", "beneficiary", ["city", "gender", "id"])
    op.drop_index("ix_beneficiary_city_gender_created", table_name="beneficiary")
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(SQLITE_ID_ORDER, "beneficiary", ["id"])
    op.execute("ANALYZE beneficiary")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(SQLITE_ID_ORDER, table_name="beneficiary")
    op.create_index("ix_beneficiary_city_gender_created", "beneficiary", ["city", "gender", "created_at", "id"])
    op.drop_index("ix_beneficiary_city_gender_id", table_name="beneficiary")
