"""The transactional outbox: every message to a beneficiary or volunteer, and its wording.

An OutboxMessage is written in the same transaction as the event that causes it
(a request received, a decision...), so a message exists exactly when its event
does. The worker (workflow/messaging/worker.py) sends it later, outside any web
request, and records the provider's answer here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from extensions import db
from models.types import UTCDateTime, utcnow


class MessageState:
    QUEUED = "queued"        # waiting for the worker (or, on the record channel, for an officer)
    SENDING = "sending"      # claimed by a worker; the provider is being asked
    SENT = "sent"            # the provider accepted it
    DELIVERED = "delivered"  # the provider's receipt says it reached the phone
    FAILED = "failed"        # given up, with the reason
    CANCELLED = "cancelled"  # withdrawn by staff, or never to be sent (opted out, no number)
    ALL = (QUEUED, SENDING, SENT, DELIVERED, FAILED, CANCELLED)
    DONE = (SENT, DELIVERED, FAILED, CANCELLED)


class MessageChannel:
    RECORD = "record"  # kept for an officer to send by hand
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    ALL = (RECORD, SMS, WHATSAPP, EMAIL)
    # Channels that reach a phone: quiet hours apply to them.
    PHONE = (SMS, WHATSAPP)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The worker's question: what is due now?
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.QUEUED)
    language: Mapped[str] = mapped_column(String(5), default="ar")
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"),
                                                       index=True)
    # The beneficiary's timeline entry for this message (kept in step with the state).
    communication_id: Mapped[int | None] = mapped_column(ForeignKey("communication.id", ondelete="SET NULL"),
                                                         index=True)
    to_address: Mapped[str] = mapped_column(String(255), default="")  # E.164 mobile or email
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # WhatsApp: the approved template's name, language and ordered body parameters.
    template_name: Mapped[str] = mapped_column(String(100), default="")
    template_params: Mapped[list] = mapped_column(JSON, default=list)
    # "decision_letter" when the email carries the decision letter.
    attachment: Mapped[str] = mapped_column(String(30), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backend: Mapped[str] = mapped_column(String(30), default="")  # the adapter that sent it
    provider_message_id: Mapped[str] = mapped_column(String(120), default="", index=True)
    # The provider's answer or our reason, in words (never the text or the full number).
    last_error: Mapped[str] = mapped_column(String(500), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # The text is on the timeline (Communication) already; the audit trail keeps the states.
    audit_exclude = ("body", "template_params")

    # Deleting a person (erasure) deletes their messages too, SQLite's unenforced foreign keys included.
    beneficiary = relationship("Beneficiary", backref=backref("outbox_messages", cascade="all, delete-orphan"))
    volunteer = relationship("Volunteer", backref=backref("outbox_messages", cascade="all, delete-orphan"))
    application = relationship("Application")
    communication = relationship("Communication")
    staff = relationship("User")

    def __str__(self) -> str:
        return f"#{self.id} {self.event}"


class MessageTemplate(db.Model):
    """The wording of one event's message in one language (Settings → Message templates)."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("event", "language", name="uq_message_template_event_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="ar")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The template approved by Meta for WhatsApp, filled with `whatsapp_params` in order.
    whatsapp_template: Mapped[str] = mapped_column(String(100), default="")
    whatsapp_params: Mapped[str] = mapped_column(String(300), default="")  # e.g. "name, reference"
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return f"{self.event} ({self.language})"
