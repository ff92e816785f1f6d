"""Messages through a transactional outbox (issue 13)

- outbox_message: every message to a beneficiary or volunteer, written with its event;
- message_template: the wording per event and language;
- beneficiary.preferred_channel / messages_opt_out; organisation_profile.message_channel / sms_sender.

Revision ID: outbox1
Revises: integrity1
"""
import sqlalchemy as sa
from alembic import op

revision = "outbox1"
down_revision = "integrity1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("communication_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template_name", sa.String(length=100), nullable=False),
        sa.Column("template_params", sa.JSON(), nullable=False),
        sa.Column("attachment", sa.String(length=30), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("backend", sa.String(length=30), nullable=False),
        sa.Column("provider_message_id", sa.String(length=120), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["communication_id"], ["communication.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["staff_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_message") as batch:
        batch.create_index("ix_outbox_message_due", ["state", "next_attempt_at"], unique=False)
        for column in ("event", "channel", "beneficiary_id", "volunteer_id", "application_id", "communication_id",
                       "created_at", "last_attempt_at", "provider_message_id"):
            batch.create_index(f"ix_outbox_message_{column}", [column], unique=False)
    op.create_table(
        "message_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("whatsapp_template", sa.String(length=100), nullable=False),
        sa.Column("whatsapp_params", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event", "language", name="uq_message_template_event_language"),
    )
    with op.batch_alter_table("beneficiary") as batch:
        batch.add_column(sa.Column("preferred_channel", sa.String(length=16), nullable=False, server_default=""))
        batch.add_column(sa.Column("messages_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("organisation_profile") as batch:
        batch.add_column(sa.Column("message_channel", sa.String(length=16), nullable=False,
                                   server_default="record"))
        batch.add_column(sa.Column("sms_sender", sa.String(length=11), nullable=False, server_default=""))
    # The defaults only fill existing rows; the models give new rows theirs.
    with op.batch_alter_table("beneficiary") as batch:
        batch.alter_column("preferred_channel", server_default=None)
        batch.alter_column("messages_opt_out", server_default=None)
    with op.batch_alter_table("organisation_profile") as batch:
        batch.alter_column("message_channel", server_default=None)
        batch.alter_column("sms_sender", server_default=None)


def downgrade():
    with op.batch_alter_table("organisation_profile") as batch:
        batch.drop_column("sms_sender")
        batch.drop_column("message_channel")
    with op.batch_alter_table("beneficiary") as batch:
        batch.drop_column("messages_opt_out")
        batch.drop_column("preferred_channel")
    op.drop_table("message_template")
    op.drop_table("outbox_message")
