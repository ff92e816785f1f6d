"""The organisation's profile: identity, letterhead, policy texts and board approval."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class OrganisationProfile(db.Model):
    """A single row (id 1)."""

    __tablename__ = "organisation_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    licence_no: Mapped[str] = mapped_column(String(50), default="")
    logo_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    default_decision_period_days: Mapped[int] = mapped_column(Integer, default=14)
    template_key: Mapped[str] = mapped_column(String(40), default="")
    committee_name_ar: Mapped[str] = mapped_column(String(200), default="اللجنة المختصة")
    committee_name_en: Mapped[str] = mapped_column(String(200), default="The competent committee")
    general_goal_ar: Mapped[str] = mapped_column(Text, default="")
    general_goal_en: Mapped[str] = mapped_column(Text, default="")
    detailed_goals: Mapped[list] = mapped_column(JSON, default=list)  # [{"ar":..,"en":..}]
    handling_steps: Mapped[list] = mapped_column(JSON, default=list)  # [{"ar":..,"en":..}] with {days}
    eligibility_verification: Mapped[dict] = mapped_column(JSON, default=dict)
    verification_mechanisms: Mapped[list] = mapped_column(JSON, default=list)
    board_resolution_no: Mapped[str] = mapped_column(String(50), default="")
    board_meeting_no: Mapped[str] = mapped_column(String(50), default="")
    board_approval_date: Mapped[date | None] = mapped_column(Date)
    # How long closed files are kept before anonymisation (years; 0 = keep).
    retention_years: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking: an edit form saved after someone else's save is refused (admin_views/base.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
    # How messages reach beneficiaries (workflow/messaging): record, sms, whatsapp or email,
    # and the SMS sender name registered with the gateway. Credentials stay in the environment.
    message_channel: Mapped[str] = mapped_column(String(16), default="record")
    sms_sender: Mapped[str] = mapped_column(String(11), default="")
    # What the organisation's policy turns on (workflow.policy_templates.FEATURES): branches,
    # community_requests (programme requests from groups and organisations), outreach.
    features: Mapped[dict] = mapped_column(JSON, default=dict)
    # Follow-up schedule for service types without their own (times 0: none) (workflow/followup.py).
    follow_up_after_days: Mapped[int] = mapped_column(Integer, default=0)
    follow_up_every_days: Mapped[int] = mapped_column(Integer, default=0)
    follow_up_times: Mapped[int] = mapped_column(Integer, default=0)
    # Working days (Sunday–Thursday) to answer a suggestion or complaint (workflow/feedback.py).
    feedback_response_days: Mapped[int] = mapped_column(Integer, default=5)

    logo = relationship("StoredFile")
