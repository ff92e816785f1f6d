"""Writing messages into the outbox, in the caller's transaction.

Every message to a beneficiary or volunteer goes through `queue_message` (the events'
helpers below build its wording): one row in outbox_message, and for a beneficiary one
outgoing Communication on the timeline that follows the row's state. Nothing is sent
here: the worker sends what is due, outside any web request.

Which channel: the beneficiary's preferred channel when it is available, else the
organisation's (Settings → Organisation profile). A missing or invalid address never
raises: the message is written as failed with the reason, and the workflow goes on.
"""
from __future__ import annotations

import logging

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale

from extensions import db
from models.beneficiary import Communication, Direction
from models.outbox import MessageChannel, MessageState, OutboxMessage
from models.types import utcnow
from workflow.dates import hijri
from workflow.messaging.templates import render, template_for
from workflow.phones import normalize_saudi_mobile

log = logging.getLogger(__name__)

# Communication.delivery for each state (the timeline shows it in words: workflow.notify.delivery_label).
DELIVERY = {MessageState.QUEUED: "queued", MessageState.SENDING: "queued", MessageState.SENT: "sent",
            MessageState.DELIVERED: "delivered", MessageState.FAILED: "failed", MessageState.CANCELLED: "cancelled"}


def delivery_note(message: OutboxMessage) -> str:
    if message.channel == MessageChannel.RECORD:
        return "record" if message.state == MessageState.QUEUED else f"record-{DELIVERY[message.state]}"
    return f"{message.channel}-{DELIVERY[message.state]}"


def sync_communication(message: OutboxMessage) -> None:
    """Keep the timeline entry in step with the message."""
    if message.communication is not None:
        message.communication.delivery = delivery_note(message)[:20]


# -- channel choice --------------------------------------------------------------------------
def configured_channels() -> list[str]:
    """Channels that can send from this installation (record always can)."""
    cfg = current_app.config
    channels = [MessageChannel.RECORD]
    if cfg.get("SMS_BACKEND"):
        channels.append(MessageChannel.SMS)
    if cfg.get("WHATSAPP_TOKEN") and cfg.get("WHATSAPP_PHONE_NUMBER_ID"):
        channels.append(MessageChannel.WHATSAPP)
    if cfg.get("NOTIFIER_BACKEND") == "email":
        channels.append(MessageChannel.EMAIL)
    return channels


def organisation_channel() -> str:
    from models.organisation import OrganisationProfile

    profile = db.session.get(OrganisationProfile, 1)
    chosen = (profile.message_channel if profile is not None else "") or MessageChannel.RECORD
    if chosen == MessageChannel.RECORD and current_app.config.get("NOTIFIER_BACKEND") == "email":
        return MessageChannel.EMAIL  # NOTIFIER_BACKEND=email from before the outbox keeps its meaning
    return chosen


def channel_for(person) -> str:
    preferred = getattr(person, "preferred_channel", "") or ""
    if preferred and preferred in configured_channels():
        return preferred
    return organisation_channel()


def sender_name() -> str:
    from models.organisation import OrganisationProfile

    profile = db.session.get(OrganisationProfile, 1)
    return (profile.sms_sender if profile is not None and profile.sms_sender else "") or \
        current_app.config.get("SMS_SENDER", "")


def organisation_name(language: str) -> str:
    from models.organisation import OrganisationProfile

    profile = db.session.get(OrganisationProfile, 1)
    if profile is None:
        return ""
    return (profile.name_en if language == "en" and profile.name_en else profile.name_ar) or ""


def message_language() -> str:
    return current_app.config.get("MESSAGES_LANGUAGE") or current_app.config.get("BABEL_DEFAULT_LOCALE", "ar")


def public_url(path: str, endpoint: str | None = None, **values) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + path
    if has_request_context() and endpoint:
        return url_for(endpoint, _external=True, **values)
    return path


def status_link() -> str:
    return public_url("/status", "public.status")


# -- the one way in ----------------------------------------------------------------------------
def queue_message(event: str, *, beneficiary=None, volunteer=None, application=None, context: dict | None = None,
                  subject: str | None = None, body: str | None = None, staff=None, attachment: str = "",
                  channel: str | None = None, channel_record=None) -> OutboxMessage:
    """Write one message (and its timeline entry) for an event. The caller commits.

    Without `subject`/`body`, the event's template is rendered with `context`.
    """
    person = beneficiary if beneficiary is not None else volunteer
    if person is None and application is not None and application.beneficiary is None:
        person = _ContactPerson(application)  # a group's or an organisation's request: its contact person
    language = message_language()
    context = dict(context or {})
    context.setdefault("name", getattr(person, "full_name", "") or "")
    context.setdefault("organisation", organisation_name(language))
    from workflow.policy_templates import deciding_body

    context.setdefault("deciding_body", deciding_body(language))
    if application is not None:
        context.setdefault("reference", application.reference)
        service = application.service_type
        if service is not None:
            context.setdefault("service", (service.name_en if language == "en" and service.name_en else service.name_ar))
        if application.decision_due:
            context.setdefault("due_date_hijri", hijri(application.decision_due))
        context.setdefault("status_link", status_link())
    t_subject, t_body, wa_template, wa_params = template_for(event, language)
    subject = render(t_subject, context) if subject is None else subject
    body = render(t_body, context) if body is None else body
    channel = channel or channel_for(person)
    message = OutboxMessage(
        event=event, channel=channel, state=MessageState.QUEUED, language=language,
        beneficiary=beneficiary, volunteer=volunteer, application=application, subject=subject[:200], body=body,
        template_name=wa_template, template_params=[str(context.get(p) or "") for p in wa_params],
        attachment=attachment, attempts=0, next_attempt_at=utcnow(), backend="", provider_message_id="",
        last_error="", staff_id=getattr(staff, "id", None), to_address="")
    _address(message, person)
    if beneficiary is not None or isinstance(person, _ContactPerson):
        # On the beneficiary's timeline, or (a contact person) on the request's.
        message.communication = Communication(
            beneficiary=beneficiary, application_id=getattr(application, "id", None), channel=channel_record,
            direction=Direction.OUTGOING, subject=subject[:200], summary=body, staff_id=getattr(staff, "id", None),
            # The branch that had the contact: the request's, else the beneficiary's.
            branch_id=getattr(application, "branch_id", None) or getattr(beneficiary, "branch_id", None))
        sync_communication(message)
        db.session.add(message.communication)
    db.session.add(message)
    return message


class _ContactPerson:
    """The contact person of a request made by a group or an organisation (no beneficiary record)."""

    preferred_channel = ""
    messages_opt_out = False
    email = ""

    def __init__(self, application):
        self.full_name = application.contact_name or application.applicant or ""
        self.phone = application.contact_phone or ""


def _address(message: OutboxMessage, person) -> None:
    """Fill to_address, or settle the message at once when it cannot go (never raises)."""
    if person is None:
        _settle(message, MessageState.FAILED, "no recipient")
        return
    if getattr(person, "messages_opt_out", False):
        _settle(message, MessageState.CANCELLED, "not sent: the beneficiary opted out of messages")
        return
    if message.channel == MessageChannel.EMAIL:
        email = (getattr(person, "email", "") or "").strip()
        message.to_address = email
        if not email:
            _settle(message, MessageState.FAILED, "no email address")
        return
    try:
        message.to_address = normalize_saudi_mobile(getattr(person, "phone", "") or "")
    except ValueError:
        message.to_address = ""
        if message.channel in MessageChannel.PHONE:
            _settle(message, MessageState.FAILED, "no valid Saudi mobile number")


def _settle(message: OutboxMessage, state: str, reason: str) -> None:
    message.state = state
    message.last_error = reason


# -- the events --------------------------------------------------------------------------------
def request_received(application, staff=None) -> OutboxMessage:
    return queue_message("received", beneficiary=application.beneficiary, application=application, staff=staff,
                         channel_record=application.channel)


def request_incomplete(application, missing: list[str], staff=None) -> OutboxMessage:
    return queue_message("incomplete", beneficiary=application.beneficiary, application=application, staff=staff,
                         context={"missing": "\n".join(f"- {m}" for m in missing)})


def research_appointment(application, staff=None) -> OutboxMessage:
    return queue_message("research_appointment", beneficiary=application.beneficiary, application=application,
                         staff=staff)


def decision_made(application, decision, staff=None) -> OutboxMessage:
    event = {"accept": "decision_accept", "reject": "decision_reject", "defer": "decision_defer"}[decision.outcome]
    value = decision.granted if decision.outcome == "accept" else decision.reason
    with force_locale(message_language()):
        return queue_message(event, beneficiary=application.beneficiary, application=application, staff=staff,
                             context={"decision": value or "—"},
                             attachment=f"decision_letter:{decision.id}" if decision.id else "decision_letter")


def service_ready(application, staff=None) -> OutboxMessage:
    return queue_message("service_ready", beneficiary=application.beneficiary, application=application, staff=staff)


def survey_link(application, url: str, staff=None) -> OutboxMessage:
    return queue_message("survey", beneficiary=application.beneficiary, application=application, staff=staff,
                         context={"survey_link": url})


def send_status_link(application, staff=None) -> OutboxMessage:
    return queue_message("status_link", beneficiary=application.beneficiary, application=application, staff=staff)


def volunteer_received(volunteer) -> OutboxMessage:
    return queue_message("volunteer_received", volunteer=volunteer)


def free_text(beneficiary, subject: str, body: str, *, application=None, staff=None, channel_record=None):
    """A message written by staff (or by older code): same outbox, same worker."""
    return queue_message("message", beneficiary=beneficiary, application=application, subject=subject, body=body,
                         staff=staff, channel_record=channel_record)


# -- staff actions on the outbox screen ------------------------------------------------------
def retry(message: OutboxMessage, staff=None) -> bool:
    """A failed or cancelled message goes back to the queue (due now)."""
    if message.state not in (MessageState.FAILED, MessageState.CANCELLED):
        return False
    message.state = MessageState.QUEUED
    message.next_attempt_at = utcnow()
    message.attempts = 0
    message.last_error = ""
    sync_communication(message)
    return True


def cancel(message: OutboxMessage, staff=None) -> bool:
    if message.state != MessageState.QUEUED:
        return False
    message.state = MessageState.CANCELLED
    message.last_error = "cancelled by staff"
    sync_communication(message)
    return True


def resend(message: OutboxMessage, staff=None) -> OutboxMessage:
    """A new copy of a message (for one that was sent but did not reach the person)."""
    copy = OutboxMessage(
        event=message.event, channel=message.channel, state=MessageState.QUEUED, language=message.language,
        beneficiary_id=message.beneficiary_id, volunteer_id=message.volunteer_id,
        application_id=message.application_id, to_address=message.to_address, subject=message.subject,
        body=message.body, template_name=message.template_name, template_params=list(message.template_params or []),
        attachment=message.attachment, attempts=0, next_attempt_at=utcnow(), backend="", provider_message_id="",
        last_error="", staff_id=getattr(staff, "id", None))
    if message.beneficiary_id is not None:
        copy.communication = Communication(
            beneficiary_id=message.beneficiary_id, application_id=message.application_id,
            direction=Direction.OUTGOING, subject=message.subject[:200], summary=message.body,
            staff_id=getattr(staff, "id", None))
        sync_communication(copy)
        db.session.add(copy.communication)
    db.session.add(copy)
    return copy


def mark_sent(message: OutboxMessage, staff=None) -> bool:
    """The officer sent a record-channel message by hand."""
    if message.state != MessageState.QUEUED or message.channel != MessageChannel.RECORD:
        return False
    message.state = MessageState.SENT
    message.sent_at = utcnow()
    message.backend = "by hand"
    message.staff_id = getattr(staff, "id", None) or message.staff_id
    sync_communication(message)
    return True
