"""Follow-up after delivery, improvement actions from satisfaction results, suggestions and complaints (issue 14)

Revision ID: followup1
Revises: branches1
"""
import sqlalchemy as sa
from alembic import op

import models.types

revision = "followup1"
down_revision = 'branches1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_type") as batch:
        batch.add_column(sa.Column("follow_up_after_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("follow_up_every_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("follow_up_times", sa.Integer(), nullable=True))
    with op.batch_alter_table("organisation_profile") as batch:
        # server defaults only so the existing row gets values; the models give them from then on.
        for name, default in (("follow_up_after_days", "0"), ("follow_up_every_days", "0"),
                              ("follow_up_times", "0"), ("feedback_response_days", "5")):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
    with op.batch_alter_table("organisation_profile") as batch:
        for name in ("follow_up_after_days", "follow_up_every_days", "follow_up_times", "feedback_response_days"):
            batch.alter_column(name, server_default=None)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("done_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["officer_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["done_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "sequence", name="uq_follow_up_application_sequence"),
    )
    op.create_index("ix_follow_up_application_id", "follow_up", ["application_id"])
    op.create_index("ix_follow_up_done_due", "follow_up", ["done_at", "due_on"])
    op.create_index("ix_follow_up_officer_due", "follow_up", ["officer_id", "due_on"])

    op.create_table(
        "improvement_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("service_type_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["service_type_id"], ["service_type.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["question_id"], ["survey_question.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("service_type_id", "question_id", "owner_id", "due_on", "status", "completed_on"):
        op.create_index(f"ix_improvement_action_{column}", "improvement_action", [column])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("beneficiary_id", sa.Integer(), nullable=True),
        sa.Column("received_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("reply_delivery", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["beneficiary.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["replied_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("kind", "application_id", "beneficiary_id", "received_at", "assigned_to_id"):
        op.create_index(f"ix_feedback_{column}", "feedback", [column])
    op.create_index("ix_feedback_status_respond_by", "feedback", ["status", "respond_by"])


def downgrade():
    op.drop_table("feedback")
    op.drop_table("improvement_action")
    op.drop_table("follow_up")
    with op.batch_alter_table("organisation_profile") as batch:
        for name in ("feedback_response_days", "follow_up_times", "follow_up_every_days", "follow_up_after_days"):
            batch.drop_column(name)
    with op.batch_alter_table("service_type") as batch:
        for name in ("follow_up_times", "follow_up_every_days", "follow_up_after_days"):
            batch.drop_column(name)
