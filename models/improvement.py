"""Improvement actions: what the organisation decided after studying satisfaction results (policy 001)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class ActionKind:
    DECISION = "decision"
    RECOMMENDATION = "recommendation"
    ALL = (DECISION, RECOMMENDATION)


class ActionStatus:
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    ALL = (PLANNED, IN_PROGRESS, DONE, CANCELLED)
    OPEN = (PLANNED, IN_PROGRESS)


class ImprovementAction(db.Model):
    __tablename__ = "improvement_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The survey results studied: a period, and optionally one service type and one question.
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("service_type.id", ondelete="SET NULL"),
                                                        index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("survey_question.id", ondelete="SET NULL"),
                                                    index=True)
    finding: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=ActionKind.DECISION)
    decision: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.PLANNED, index=True)
    result: Mapped[str] = mapped_column(Text, default="")  # what was done, when it is done
    completed_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    service_type = relationship("ServiceType")
    question = relationship("SurveyQuestion")
    owner = relationship("User", foreign_keys=[owner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    def __str__(self) -> str:
        return f"#{self.id}"
