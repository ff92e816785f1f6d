"""Beneficiaries by city and gender, newest first, from one index (issue 16)

The beneficiary list's city filter is now an equality on the stored city (offered as choices),
often with the gender filter. Index (city, gender, created_at, id) counts the matches from the
index alone and reads the page's rows in the list's order, without sorting.

Revision ID: speed1
Revises: perf4
"""
from alembic import op

revision = "speed1"
down_revision = "perf4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_beneficiary_city_gender_created", "beneficiary", ["city", "gender", "created_at", "id"])
    op.execute("ANALYZE beneficiary")


def downgrade():
    op.drop_index("ix_beneficiary_city_gender_created", table_name="beneficiary")
