"""Telling the beneficiary: one path, the outbox (workflow/messaging).

notify_beneficiary() is kept for code that writes its own text: it queues the message
like every event does (a row in the outbox and an outgoing Communication on the
timeline); the worker sends it. delivery_label() names a Communication's delivery.
"""
from __future__ import annotations

from models.beneficiary import Communication


def notify_beneficiary(beneficiary, subject: str, body: str, *, application=None, staff=None,
                       channel_code: str = "") -> Communication:
    """Queue a staff-written message in the caller's transaction; returns its timeline entry."""
    from extensions import db
    from models.reference import Channel
    from workflow.messaging import outbox

    channel = None
    if channel_code:
        channel = db.session.scalar(db.select(Channel).where(Channel.code == channel_code))
    message = outbox.free_text(beneficiary, subject, body, application=application, staff=staff,
                               channel_record=channel)
    return message.communication


def notify_applicant(application, subject: str, body: str, *, staff=None, channel_code: str = "") -> Communication:
    """Tell whoever asked: the beneficiary, or a group's / an organisation's contact person (the
    outbox addresses the request's contact when it has no beneficiary)."""
    return notify_beneficiary(application.beneficiary, subject, body, application=application, staff=staff,
                              channel_code=channel_code)


def invite_to_service(beneficiary, service_type, *, staff=None, channel_code: str = "outreach") -> Communication:
    """Outreach: invite a beneficiary whose recorded data already meets a service's conditions to
    apply for it (a message in the outbox, on the beneficiary's timeline)."""
    name = service_type.name_ar
    subject = f"دعوة للاستفادة من خدمة {name}"[:200]
    body = (f"السلام عليكم {beneficiary.full_name}،\n"
            f"تشير بياناتكم المسجلة لدينا إلى أنكم قد تستوفون شروط خدمة «{name}». "
            "يسعدنا استقبال طلبكم عبر قنوات التواصل، أو التواصل معنا للاستفسار.")
    return notify_beneficiary(beneficiary, subject, body, staff=staff, channel_code=channel_code)


def delivery_label(value: str) -> str:
    """The delivery note of an outgoing message in words ('sms-failed' → 'SMS: failed')."""
    from flask_babel import gettext as _

    channels = {"sms": _("SMS"), "whatsapp": _("WhatsApp"), "email": _("Email"), "record": _("Recorded")}
    states = {"queued": _("waiting to be sent"), "sent": _("sent"), "delivered": _("delivered"),
              "failed": _("failed"), "cancelled": _("not sent (cancelled)")}
    labels = {"record": _("Recorded only (send it by hand)"), "record-sent": _("Sent by hand"),
              "no-email": _("Not sent: no email address"), "no-phone": _("Not sent: no mobile number")}
    parts = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        channel, _sep, state = part.partition("-")
        if part in labels:
            parts.append(labels[part])
        elif channel in channels and state in states:
            parts.append(_("%(channel)s: %(state)s", channel=channels[channel], state=states[state]))
        elif channel in channels and not state:  # before the outbox: "email", "sms"
            parts.append(_("%(channel)s: %(state)s", channel=channels[channel], state=states["sent"]))
        else:
            parts.append(part)
    return _(", ").join(parts)
