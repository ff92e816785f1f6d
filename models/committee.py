"""Committee sessions, their agenda and the decisions taken in them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow

session_member = Table(
    "committee_session_member",
    db.metadata,
    Column("session_id", ForeignKey("committee_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

session_present = Table(
    "committee_session_present",
    db.metadata,
    Column("session_id", ForeignKey("committee_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class CommitteeSession(db.Model):
    __tablename__ = "committee_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open / closed
    # Minimum members present; None means a majority of the members.
    quorum: Mapped[int | None] = mapped_column(Integer)
    minutes_notes: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: an edit form saved after someone else's save is refused (admin_views/base.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    members = relationship("User", secondary=session_member, order_by="User.full_name")
    present = relationship("User", secondary=session_present, order_by="User.full_name")
    agenda = relationship("AgendaItem", back_populates="session", cascade="all, delete-orphan",
                          order_by="AgendaItem.position")
    decisions = relationship("Decision", back_populates="session", order_by="Decision.id")

    def __str__(self) -> str:
        return self.number


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("session_id", "application_id", name="uq_agenda_item_session_application"),
        # The agenda in order (bench1).
        Index("ix_agenda_item_session_position", "session_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    session = relationship("CommitteeSession", back_populates="agenda")
    application = relationship("Application", lazy="joined")


class Outcome:
    ACCEPT = "accept"
    REJECT = "reject"
    DEFER = "defer"
    ALL = (ACCEPT, REJECT, DEFER)


class Decision(db.Model):
    __tablename__ = "decision"
    # Each request's outcome from the index alone (EXISTS in reports and the dashboard) (perf1).
    __table_args__ = (Index("ix_decision_application_outcome", "application_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    application = relationship("Application", back_populates="decisions")
    session = relationship("CommitteeSession", back_populates="decisions")
    recorded_by = relationship("User")
