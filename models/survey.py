"""Satisfaction surveys: admin-configured questions, one-time invitations, responses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class SurveyQuestion(db.Model):
    """A 1–5 rating question shown on every survey while active."""

    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_ar: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def text(self) -> str:
        from flask_babel import get_locale

        try:
            lang = str(get_locale() or "ar")
        except Exception:
            lang = "ar"
        return (self.text_en if lang == "en" and self.text_en else self.text_ar) or ""

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(db.Model):
    """A one-time link sent when a request is served. Only the token's hash is stored."""

    __tablename__ = "survey_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The staff member who delivered the service (the actor of the "served" transition).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The token hash is a credential: keep it out of the audit trail.
    audit_exclude = ("token_hash",)

    application = relationship("Application")
    staff = relationship("User")


class SurveyResponse(db.Model):
    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitation.id", ondelete="CASCADE"), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), index=True)
    # Copied from the request when answered, so results group without joins and survive edits.
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("service_type.id", ondelete="SET NULL"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id", ondelete="SET NULL"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    comment: Mapped[str] = mapped_column(Text, default="")

    answers = relationship("SurveyAnswer", back_populates="response", cascade="all, delete-orphan",
                           order_by="SurveyAnswer.question_id")


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id", name="uq_survey_answer_response_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)

    response = relationship("SurveyResponse", back_populates="answers")
    question = relationship("SurveyQuestion")
