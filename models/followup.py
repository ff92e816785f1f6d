"""Continuous follow-up after a service is delivered (policies 001, 003): one row per planned contact."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class FollowUpMethod:
    CALL = "call"
    VISIT = "visit"
    MESSAGE = "message"
    ALL = (CALL, VISIT, MESSAGE)


class FollowUpResult:
    """What the contact found; the report counts these."""

    SATISFIED = "satisfied"  # the service met the need
    NEEDS_MORE = "needs_more"  # further support needed
    ISSUE = "issue"  # a problem with the service to act on
    NOT_REACHED = "not_reached"  # the beneficiary could not be reached
    ALL = (SATISFIED, NEEDS_MORE, ISSUE, NOT_REACHED)


class FollowUp(db.Model):
    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("application_id", "sequence", name="uq_follow_up_application_sequence"),
        # Open follow-ups by due date (the officer's dashboard, the overdue filter).
        Index("ix_follow_up_done_due", "done_at", "due_on"),
        Index("ix_follow_up_officer_due", "officer_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # 1..K of the service type's schedule
    due_on: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(10), default=FollowUpMethod.CALL)
    result: Mapped[str] = mapped_column(String(20), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application = relationship("Application")
    officer = relationship("User", foreign_keys=[officer_id])
    done_by = relationship("User", foreign_keys=[done_by_id])

    def __str__(self) -> str:
        return f"{self.application.reference if self.application else ''} #{self.sequence}"
