"""The lists' default orders indexed with the row key (issue 7, deep pages on PostgreSQL)

The beneficiary list (newest registration first) and the request list (newest receipt
first) find a deep page's rows by key first (admin_views/base.py get_list). With the key
in the index, PostgreSQL reads those keys from the index alone instead of visiting 50,000
rows of the table for page 2,000. Each replaces the single-column index it extends.

Revision ID: perf4
Revises: perf3
"""
from alembic import op

revision = "perf4"
down_revision = "perf3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_beneficiary_created_id", "beneficiary", ["created_at", "id"])
    op.drop_index("ix_beneficiary_created_at", table_name="beneficiary")
    op.create_index("ix_application_received_id", "application", ["received_at", "id"])
    op.drop_index("ix_application_received_at", table_name="application")
    op.execute("ANALYZE beneficiary")
    op.execute("ANALYZE application")


def downgrade():
    op.create_index("ix_application_received_at", "application", ["received_at"])
    op.drop_index("ix_application_received_id", table_name="application")
    op.create_index("ix_beneficiary_created_at", "beneficiary", ["created_at"])
    op.drop_index("ix_beneficiary_created_id", table_name="beneficiary")
