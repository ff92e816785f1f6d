"""Data-protection registers (Personal Data Protection Law): data-subject requests and breaches."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class PrivacyRequestKind:
    ACCESS = "access"
    CORRECTION = "correction"
    DELETION = "deletion"
    ALL = (ACCESS, CORRECTION, DELETION)


class PrivacyRequestStatus:
    OPEN = "open"
    COMPLETED = "completed"
    REFUSED = "refused"
    ALL = (OPEN, COMPLETED, REFUSED)


class PrivacyRequest(db.Model):
    """A person's request to see, correct or delete their data; answered within 30 days."""

    __tablename__ = "privacy_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    requester_name: Mapped[str] = mapped_column(String(200))
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id", ondelete="SET NULL"), index=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    # received_on + 30 days, kept in step by workflow.privacy.
    due_on: Mapped[date] = mapped_column(Date, index=True)
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=PrivacyRequestStatus.OPEN, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    beneficiary = relationship("Beneficiary")
    handled_by = relationship("User")

    def __str__(self) -> str:
        return f"#{self.id}"


class BreachIncident(db.Model):
    """A personal-data breach: the authority must be told within 72 hours of discovery."""

    __tablename__ = "breach_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Categories of personal data concerned (identity, contact, financial, health, documents...).
    categories: Mapped[list] = mapped_column(JSON, default=list)
    people_affected: Mapped[int] = mapped_column(Integer, default=0)
    measures: Mapped[str] = mapped_column(Text, default="")
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    people_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return self.title
