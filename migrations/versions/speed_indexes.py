"""Beneficiaries by city and gender from one index; decision times from one index (issue 16)

The beneficiary list's city filter is now an equality on the stored city (offered as choices),
often with the gender filter. Index (city, gender, created_at, id) counts the matches from the
index alone and reads the page's rows in the list's order, without sorting.

The dashboard's decision-time figures (days from receipt to decision, within the period) read
decided_at, received_at and decision_due of a quarter's decided requests: index (decided_at,
received_at, decision_due) holds all three, so the table is not read; it replaces the
decided_at index (perf1).

Revision ID: speed1
Revises: polish1
"""
from alembic import op

revision = "speed1"
down_revision = 'polish1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_beneficiary_city_gender_created", "beneficiary", ["city", "gender", "created_at", "id"])
    op.create_index("ix_application_decided_received_due", "application",
                    ["decided_at", "received_at", "decision_due"])
    op.drop_index("ix_application_decided_at", table_name="application")
    op.execute("ANALYZE beneficiary")
    op.execute("ANALYZE application")


def downgrade():
    op.create_index("ix_application_decided_at", "application", ["decided_at"])
    op.drop_index("ix_application_decided_received_due", table_name="application")
    op.drop_index("ix_beneficiary_city_gender_created", table_name="beneficiary")
