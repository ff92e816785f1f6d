"""Volunteers who register on the public page, and the admin-configured list of
skills and fields of interest they choose from."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.reference import Bilingual
from models.types import UTCDateTime, utcnow


class VolunteerStatus:
    NEW = "new"
    CONTACTED = "contacted"
    ACTIVE = "active"
    DECLINED = "declined"
    ALL = (NEW, CONTACTED, ACTIVE, DECLINED)


class VolunteerFieldKind:
    SKILL = "skill"
    INTEREST = "interest"
    ALL = (SKILL, INTEREST)


class VolunteerField(Bilingual, db.Model):
    """One skill or field of interest offered on the volunteer form (admin-configured)."""

    __tablename__ = "volunteer_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=VolunteerFieldKind.SKILL, index=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


volunteer_field_link = Table(
    "volunteer_field_link",
    db.metadata,
    Column("volunteer_id", ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("volunteer_field.id", ondelete="CASCADE"), primary_key=True),
)


class Volunteer(db.Model):
    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    national_id: Mapped[str] = mapped_column(String(10), unique=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    email: Mapped[str] = mapped_column(String(255), default="")
    gender: Mapped[str] = mapped_column(String(10), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    city: Mapped[str] = mapped_column(String(60), default="", index=True)
    education: Mapped[str] = mapped_column(String(30), default="")
    # Weekday codes (sat, sun, ...) and time-of-day codes (morning, evening, ...).
    availability_days: Mapped[list] = mapped_column(JSON, default=list)
    availability_hours: Mapped[list] = mapped_column(JSON, default=list)
    how_heard: Mapped[str] = mapped_column(String(30), default="")
    message: Mapped[str] = mapped_column(Text, default="")  # what the volunteer wrote
    status: Mapped[str] = mapped_column(String(12), default=VolunteerStatus.NEW, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")  # staff notes
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    privacy_notice_version: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fields = relationship("VolunteerField", secondary=volunteer_field_link, order_by="VolunteerField.sort_order")

    def __str__(self) -> str:
        return self.full_name
