"""Submissions received through the public forms.

Each rendered form carries a one-time token; the unique constraint on it makes a
double click or a back-and-resubmit create one record, never two.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.types import UTCDateTime, utcnow


class PublicSubmission(db.Model):
    __tablename__ = "public_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the form's idempotency nonce
    kind: Mapped[str] = mapped_column(String(20), index=True)  # volunteer / request
    record_id: Mapped[int | None] = mapped_column(Integer)  # Volunteer.id or Application.id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_notice_version: Mapped[str] = mapped_column(String(20), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    # The mobile number typed on the request form (E.164): the status page accepts it
    # as well as the one in the registry.
    contact_phone: Mapped[str] = mapped_column(String(16), default="")
