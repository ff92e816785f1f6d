"""Service types and their eligibility criteria (criteria are data, not code)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.reference import Bilingual

service_type_required_document = Table(
    "service_type_required_document",
    db.metadata,
    Column("service_type_id", ForeignKey("service_type.id", ondelete="CASCADE"), primary_key=True),
    Column("document_type_id", ForeignKey("document_type.id", ondelete="CASCADE"), primary_key=True),
)


class VerificationMechanism:
    ADMINISTRATIVE_REVIEW = "administrative_review"
    PERSONAL_INTERVIEW = "personal_interview"
    FIELD_VISIT = "field_visit"
    ALL = (ADMINISTRATIVE_REVIEW, PERSONAL_INTERVIEW, FIELD_VISIT)


class ServiceType(Bilingual, db.Model):
    __tablename__ = "service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    # None: the organisation profile's default period applies.
    decision_period_days: Mapped[int | None] = mapped_column(Integer)
    cooldown_days: Mapped[int] = mapped_column(Integer, default=0)
    verification_mechanisms: Mapped[list] = mapped_column(JSON, default=list)
    # Optimistic locking: an edit form saved after someone else's save is refused (admin_views/base.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    # Follow-up after delivery: first after N days, then every M days, K in all (workflow/followup.py).
    # follow_up_times None: the organisation profile's schedule applies; 0: no follow-up.
    follow_up_after_days: Mapped[int | None] = mapped_column(Integer)
    follow_up_every_days: Mapped[int | None] = mapped_column(Integer)
    follow_up_times: Mapped[int | None] = mapped_column(Integer)

    required_document_types = relationship("DocumentType", secondary=service_type_required_document,
                                           order_by="DocumentType.sort_order")
    criteria = relationship("EligibilityCriterion", back_populates="service_type",
                            cascade="all, delete-orphan", order_by="EligibilityCriterion.sort_order")


class EligibilityCriterion(db.Model):
    """One condition on beneficiary data: field, operator, value, and why (Arabic)."""

    __tablename__ = "eligibility_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))  # see workflow.eligibility.FIELDS
    operator: Mapped[str] = mapped_column(String(10))  # eq, ne, lt, le, gt, ge, in
    value: Mapped[str] = mapped_column(String(200))
    explanation_ar: Mapped[str] = mapped_column(String(300), default="")
    explanation_en: Mapped[str] = mapped_column(String(300), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    service_type = relationship("ServiceType", back_populates="criteria")

    def __str__(self) -> str:
        return f"{self.field} {self.operator} {self.value}"
