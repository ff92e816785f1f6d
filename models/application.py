"""The service request (application) aggregate: status, timeline, research."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class Status:
    """Application statuses (DESIGN.md §3). Only workflow/ changes them."""

    RECEIVED = "received"
    INCOMPLETE = "incomplete"
    WITH_SPECIALIST = "with_specialist"
    VERIFIED = "verified"
    AWAITING_COMMITTEE = "awaiting_committee"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SERVED = "served"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    ALL = (RECEIVED, INCOMPLETE, WITH_SPECIALIST, VERIFIED, AWAITING_COMMITTEE,
           ACCEPTED, REJECTED, SERVED, CLOSED, WITHDRAWN)
    # Waiting for a decision: the deadline applies.
    UNDECIDED = (RECEIVED, INCOMPLETE, WITH_SPECIALIST, VERIFIED, AWAITING_COMMITTEE)
    OPEN = UNDECIDED + (ACCEPTED, SERVED)
    FINAL = (CLOSED, WITHDRAWN)


class ApplicantKind:
    """Who a request comes from (policy 001): one person (a registered beneficiary), or a group
    (a mosque's congregation, a neighbourhood, a school) or an organisation (the supervising
    ministry, another association) asking for a programme or project, reached through its contact person."""

    PERSON = "person"
    GROUP = "group"
    ORGANISATION = "organisation"
    ALL = (PERSON, GROUP, ORGANISATION)
    COMMUNITY = (GROUP, ORGANISATION)


class ReferenceCounter(db.Model):
    """Per-Hijri-year sequence behind reference numbers such as REQ-1447-000123."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
    audit_skip = True


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_status_due", "status", "decision_due"),
        # The request list filtered by status, newest first (its default order) (perf3).
        Index("ix_application_status_received", "status", "received_at"),
        # The list's default order (newest first), with the key for deep pages (perf4).
        Index("ix_application_received_id", "received_at", "id"),
        Index("ix_application_beneficiary_status", "beneficiary_id", "status"),
        # A beneficiary's requests, newest first, on their timeline (bench1).
        Index("ix_application_beneficiary_received", "beneficiary_id", "received_at"),
        # Decided in a period (dashboard, reports) and an officer's own requests (perf1).
        # With the receipt and the due date: the decision-time figures are read from the index
        # alone (speed1; it replaces the decided_at index of perf1).
        Index("ix_application_decided_received_due", "decided_at", "received_at", "decision_due"),
        Index("ix_application_created_by_status", "created_by_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # None only for a group's or an organisation's request (applicant_kind; see ApplicantKind).
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.RECEIVED)  # indexed first in two indexes above
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # indexed with the key (perf4)
    decision_due: Mapped[date] = mapped_column(Date, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_specialist_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # What the beneficiary still has to supply (set when marked incomplete).
    missing_items: Mapped[list] = mapped_column(JSON, default=list)
    # The last verification checklist, item by item (see workflow.checklist).
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    # The specialist's recommendation once research is recorded: accept / reject / more_information.
    recommendation: Mapped[str] = mapped_column(String(20), default="")
    # Optimistic locking: two clicks on the same action cannot both succeed.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The receiving branch office (None: head office) and the representative who brought it in.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("branch_representative.id",
                                                                     ondelete="SET NULL"), index=True)
    # Programme / project requests from the community (policy 001): who is asking, whom to talk to.
    applicant_kind: Mapped[str] = mapped_column(String(12), default=ApplicantKind.PERSON)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")  # the group's / organisation's name
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(16), default="")  # E.164
    registration_no: Mapped[str] = mapped_column(String(50), default="")  # the organisation's, where it has one
    expected_beneficiaries: Mapped[int | None] = mapped_column(Integer)
    # The approved programme's execution.
    execution_start: Mapped[date | None] = mapped_column(Date)
    execution_end: Mapped[date | None] = mapped_column(Date)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    __mapper_args__ = {"version_id_col": version}

    beneficiary = relationship("Beneficiary", lazy="joined")
    service_type = relationship("ServiceType", lazy="joined")
    channel = relationship("Channel", lazy="joined")
    branch = relationship("Branch")
    representative = relationship("BranchRepresentative")
    responsible = relationship("User", foreign_keys=[responsible_id])
    assigned_specialist = relationship("User", foreign_keys=[assigned_specialist_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    events = relationship("ApplicationEvent", back_populates="application", cascade="all, delete-orphan",
                          order_by="ApplicationEvent.id")
    research = relationship("Research", back_populates="application", cascade="all, delete-orphan",
                            order_by="Research.id")
    decisions = relationship("Decision", back_populates="application", order_by="Decision.id")

    @property
    def applicant(self) -> str:
        """Who is asking, as people read it: the beneficiary, or the group / organisation."""
        if self.beneficiary is not None:
            return self.beneficiary.full_name
        return self.applicant_name or self.contact_name

    def __str__(self) -> str:
        return self.reference


class ApplicationEvent(db.Model):
    """One transition of the state machine: who, when, from, to, note."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    application = relationship("Application", back_populates="events")
    user = relationship("User", lazy="joined")


research_attachment = Table(
    "research_attachment",
    db.metadata,
    Column("research_id", ForeignKey("research.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", ForeignKey("stored_file.id", ondelete="CASCADE"), primary_key=True),
)


class Research(db.Model):
    """The specialist's social research on a referred application."""

    __tablename__ = "research"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    referral_reason: Mapped[str] = mapped_column(Text, default="")
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mechanism: Mapped[str] = mapped_column(String(30), default="")  # interview, field_visit, document_review
    conducted_on: Mapped[date | None] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")
    household_situation: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(String(20), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application = relationship("Application", back_populates="research")
    specialist = relationship("User", lazy="joined")
    attachments = relationship("StoredFile", secondary=research_attachment)
