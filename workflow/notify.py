"""Telling the beneficiary: every message is recorded as an outgoing Communication,
and, where configured, also sent by email (SMTP) or SMS.

NOTIFIER_BACKEND: "record" (default: record only), "email" (SMTP from SMTP_HOST,
SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, MAIL_FROM). SMS providers plug
in by subclassing SmsBackend and naming the class in SMS_BACKEND ("module:Class").
"""
from __future__ import annotations

import importlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from extensions import db
from models.beneficiary import Communication, Direction
from models.reference import Channel

log = logging.getLogger(__name__)


@dataclass
class Message:
    subject: str
    body: str
    to_email: str = ""
    to_phone: str = ""


class Backend:
    name = "record"

    def send(self, message: Message) -> str:
        """Deliver the message; return a short delivery note ('' when only recorded)."""
        return ""


class EmailBackend(Backend):
    name = "email"

    def send(self, message: Message) -> str:
        if not message.to_email:
            return "no-email"
        cfg = current_app.config
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = cfg.get("MAIL_FROM", "no-reply@localhost")
        mail["To"] = message.to_email
        mail.set_content(message.body)
        with smtplib.SMTP(cfg.get("SMTP_HOST", "127.0.0.1"), int(cfg.get("SMTP_PORT", 25)), timeout=10) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD", ""))
            smtp.send_message(mail)
        return "email"


class SmsBackend(Backend):
    """Interface for an SMS provider: implement send() and return 'sms'."""

    name = "sms"

    def send(self, message: Message) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def _backends() -> list[Backend]:
    cfg = current_app.config
    chosen: list[Backend] = []
    if cfg.get("NOTIFIER_BACKEND", "record") == "email":
        chosen.append(EmailBackend())
    sms = cfg.get("SMS_BACKEND")
    if sms:
        module, _, cls = sms.partition(":")
        chosen.append(getattr(importlib.import_module(module), cls)())
    return chosen


def notify_beneficiary(beneficiary, subject: str, body: str, *, application=None, staff=None,
                       channel_code: str = "") -> Communication:
    """Record an outgoing communication and send it through the configured backends.

    Recording happens in the caller's transaction; a failed send is noted on the
    record (never loses the record and never breaks the state change).
    """
    return _record_and_send(beneficiary, beneficiary.email or "", beneficiary.phone or "", subject, body,
                            application=application, staff=staff, channel_code=channel_code)


def notify_applicant(application, subject: str, body: str, *, staff=None, channel_code: str = "") -> Communication:
    """Tell whoever asked: the beneficiary, or a group's / an organisation's contact person (the
    contact is then recorded on the request, without a beneficiary)."""
    if application.beneficiary is not None:
        return notify_beneficiary(application.beneficiary, subject, body, application=application, staff=staff,
                                  channel_code=channel_code)
    return _record_and_send(None, "", application.contact_phone or "", subject, body, application=application,
                            staff=staff, channel_code=channel_code)


def invite_to_service(beneficiary, service_type, *, staff=None, channel_code: str = "outreach") -> Communication:
    """Outreach: invite a beneficiary whose recorded data already meets a service's conditions to
    apply for it. Recorded as an outgoing communication (and sent where configured); when the
    message outbox is merged, this is the one function to point at it."""
    name = service_type.name_ar
    subject = f"دعوة للاستفادة من خدمة {name}"[:200]
    body = (f"السلام عليكم {beneficiary.full_name}،\n"
            f"تشير بياناتكم المسجلة لدينا إلى أنكم قد تستوفون شروط خدمة «{name}». "
            "يسعدنا استقبال طلبكم عبر قنوات التواصل، أو التواصل معنا للاستفسار.")
    return notify_beneficiary(beneficiary, subject, body, staff=staff, channel_code=channel_code)


def _record_and_send(beneficiary, to_email: str, to_phone: str, subject: str, body: str, *, application=None,
                     staff=None, channel_code: str = "") -> Communication:
    channel = None
    if channel_code:
        channel = db.session.scalar(db.select(Channel).where(Channel.code == channel_code))
    deliveries = []
    message = Message(subject=subject, body=body, to_email=to_email, to_phone=to_phone)
    for backend in _backends():
        try:
            note = backend.send(message)
        except Exception as exc:  # network trouble must not undo the decision
            log.warning("notification via %s failed: %s", backend.name, type(exc).__name__)
            note = f"{backend.name}-failed"
        if note:
            deliveries.append(note)
    comm = Communication(
        beneficiary=beneficiary, application_id=getattr(application, "id", None), channel=channel,
        direction=Direction.OUTGOING, subject=subject[:200], summary=body,
        staff_id=getattr(staff, "id", None), delivery=",".join(deliveries) or "record",
        # The branch that had the contact: the request's, else the beneficiary's.
        branch_id=getattr(application, "branch_id", None) or getattr(beneficiary, "branch_id", None),
    )
    db.session.add(comm)
    return comm


def delivery_label(value: str) -> str:
    """The delivery note of an outgoing message in words ('email,sms-failed' → 'Email, SMS failed')."""
    from flask_babel import gettext as _

    labels = {"record": _("Recorded only (not sent)"), "email": _("Sent by email"),
              "no-email": _("Not sent: no email address"), "sms": _("Sent by SMS"),
              "no-phone": _("Not sent: no mobile number")}
    parts = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        if part in labels:
            parts.append(labels[part])
        elif part.endswith("-failed"):
            parts.append(_("Sending failed (%(via)s)", via=part[: -len("-failed")]))
        else:
            parts.append(part)
    return _(", ").join(parts)
