"""Suggestions, complaints and praise from the public (/feedback) and the staff's answers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class FeedbackKind:
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    ALL = (SUGGESTION, COMPLAINT, PRAISE)


class FeedbackStatus:
    OPEN = "open"
    ANSWERED = "answered"
    ALL = (OPEN, ANSWERED)


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (
        # Open items by deadline (the dashboard's overdue complaints).
        Index("ix_feedback_status_respond_by", "status", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    message: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(16), default="")  # E.164, to answer the person
    email: Mapped[str] = mapped_column(String(255), default="")
    # Set only when the request reference and the mobile's last four digits matched.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), index=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    respond_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=FeedbackStatus.OPEN)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # How the reply reached the person (notify's delivery note, or 'not-sent' without a contact).
    reply_delivery: Mapped[str] = mapped_column(String(60), default="")

    application = relationship("Application")
    beneficiary = relationship("Beneficiary")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    replied_by = relationship("User", foreign_keys=[replied_by_id])

    def __str__(self) -> str:
        return f"#{self.id}"
