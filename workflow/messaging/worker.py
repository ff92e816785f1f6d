"""The outbox worker: sends what is due, outside any web request (`flask --app app outbox work`).

Exactly once: a message is claimed before it is sent, by moving it from `queued` to
`sending` in a committed transaction. On PostgreSQL the claim reads the due rows
with FOR UPDATE SKIP LOCKED, so several workers (on several machines) each take
different rows without waiting; elsewhere (SQLite, one writer at a time) each row is
claimed by a conditional UPDATE ... WHERE state = 'queued' that only one worker can win.
A message found still `sending` long after its claim (a worker died mid-send) is
never sent again automatically: it fails with a reason asking staff to check.

Retries: a temporary failure (5xx, timeout, network) is queued again after
MESSAGING_RETRY_BASE_SECONDS × 2^(attempt-1), capped at MESSAGING_RETRY_MAX_SECONDS,
up to MESSAGING_MAX_ATTEMPTS; a permanent failure (4xx) fails at once.
Quiet hours (MESSAGING_QUIET_HOURS, local time) hold SMS and WhatsApp back; email goes.
MESSAGING_RATE_PER_MINUTE caps the attempts of all workers together in any minute.
"""
from __future__ import annotations

import logging
import time as _time
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from extensions import db
from models.outbox import MessageChannel, MessageState, OutboxMessage
from models.types import utcnow
from workflow.dates import to_local
from workflow.messaging.channels import (
    Adapter,
    Outgoing,
    PermanentFailure,
    SendFailure,
    TemporaryFailure,
    receipt_url,
)
from workflow.messaging.outbox import sender_name, sync_communication
from workflow.phones import mask_phone

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held_quiet: bool = False
    rate_limited: bool = False
    ids: list = field(default_factory=list)


# -- adapters ------------------------------------------------------------------------------------
def sms_adapter() -> Adapter:
    from workflow.messaging.sms_taqnyat import TaqnyatAdapter
    from workflow.messaging.sms_unifonic import UnifonicAdapter
    from workflow.messaging.sms_webhook import WebhookAdapter

    name = (current_app.config.get("SMS_BACKEND") or "").strip().lower()
    adapters = {"unifonic": UnifonicAdapter, "taqnyat": TaqnyatAdapter, "webhook": WebhookAdapter}
    if name in adapters:
        return adapters[name]()
    raise PermanentFailure(f"SMS_BACKEND '{name}' is not one of: unifonic, taqnyat, webhook")


def adapter_for(channel: str) -> Adapter:
    from workflow.messaging.email import EmailAdapter
    from workflow.messaging.record import RecordAdapter
    from workflow.messaging.whatsapp import WhatsAppAdapter

    if channel == MessageChannel.SMS:
        return sms_adapter()
    if channel == MessageChannel.WHATSAPP:
        return WhatsAppAdapter()
    if channel == MessageChannel.EMAIL:
        return EmailAdapter()
    return RecordAdapter()


# -- settings --------------------------------------------------------------------------------------
def _cfg(name: str, default):
    return type(default)(current_app.config.get(name, default))


def quiet_window() -> tuple[time, time] | None:
    """(start, end) local times from MESSAGING_QUIET_HOURS ("22:00-08:00"); None when switched off."""
    raw = (current_app.config.get("MESSAGING_QUIET_HOURS", "22:00-08:00") or "").strip()
    if not raw or raw.lower() in {"off", "none", "0"}:
        return None
    start, _, end = raw.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def in_quiet_hours(now: datetime) -> bool:
    window = quiet_window()
    if window is None:
        return False
    start, end = window
    local = to_local(now).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def backoff(attempts: int) -> timedelta:
    base = _cfg("MESSAGING_RETRY_BASE_SECONDS", 60)
    cap = _cfg("MESSAGING_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# -- claiming ----------------------------------------------------------------------------------
def _due(now: datetime, excluded: tuple[str, ...]):
    query = select(OutboxMessage.id).where(
        OutboxMessage.state == MessageState.QUEUED, OutboxMessage.channel != MessageChannel.RECORD,
        OutboxMessage.next_attempt_at <= now)
    if excluded:
        query = query.where(OutboxMessage.channel.notin_(excluded))
    return query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)


def claim(now: datetime, limit: int, excluded: tuple[str, ...] = ()) -> list[int]:
    """Move up to `limit` due messages to `sending` for this worker; commits. Returns their ids."""
    if limit <= 0:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(_due(now, excluded).limit(limit).with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
                state=MessageState.SENDING, attempts=OutboxMessage.attempts + 1, last_attempt_at=now))
        session.commit()
        return ids
    claimed = []
    for message_id in list(session.scalars(_due(now, excluded).limit(limit))):
        won = session.execute(update(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.state == MessageState.QUEUED).values(
            state=MessageState.SENDING, attempts=OutboxMessage.attempts + 1, last_attempt_at=now))
        session.commit()  # one short write at a time: SQLite has a single writer
        if won.rowcount == 1:
            claimed.append(message_id)
    return claimed


def attempts_in_last_minute(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.last_attempt_at > now - timedelta(minutes=1),
        OutboxMessage.last_attempt_at <= now)) or 0


def fail_interrupted(now: datetime) -> int:
    """Messages left `sending` by a worker that stopped: failed, never sent twice."""
    limit = now - timedelta(seconds=_cfg("MESSAGING_SENDING_TIMEOUT_SECONDS", 900))
    stuck = list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.state == MessageState.SENDING, OutboxMessage.last_attempt_at < limit)))
    for message in stuck:
        message.state = MessageState.FAILED
        message.last_error = "sending was interrupted: check with the provider before resending"
        sync_communication(message)
    db.session.commit()
    return len(stuck)


# -- sending -----------------------------------------------------------------------------------
def outgoing(message: OutboxMessage) -> Outgoing:
    return Outgoing(
        message_id=message.id, to=message.to_address, text=message.body, subject=message.subject,
        reference=message.application.reference if message.application is not None else "",
        language=message.language, sender=sender_name(), template_name=message.template_name,
        template_params=list(message.template_params or []), attachments=attachments_of(message),
        callback_url=receipt_url(message.id))


def attachments_of(message: OutboxMessage) -> list:
    """The decision letter for an email: PDF when a renderer is configured, HTML otherwise."""
    if message.channel != MessageChannel.EMAIL or not message.attachment.startswith("decision_letter"):
        return []
    from workflow.messaging.letters import decision_letter

    _, _, decision_id = message.attachment.partition(":")
    letter = decision_letter(message.application, int(decision_id) if decision_id.isdigit() else None)
    return [letter] if letter else []


def send_one(message_id: int, now: datetime, adapters: dict | None = None) -> str:
    """Send one claimed message and record the outcome; commits. Returns the new state."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.state != MessageState.SENDING:
        return ""
    try:
        adapter = (adapters or {}).get(message.channel) or adapter_for(message.channel)
        message.backend = adapter.name
        receipt = adapter.send(outgoing(message))
    except TemporaryFailure as exc:
        if message.attempts >= _cfg("MESSAGING_MAX_ATTEMPTS", 5):
            message.state = MessageState.FAILED
            message.last_error = f"gave up after {message.attempts} attempts: {exc.reason}"[:500]
        else:
            message.state = MessageState.QUEUED
            message.next_attempt_at = now + backoff(message.attempts)
            message.last_error = exc.reason
    except SendFailure as exc:
        message.state = MessageState.FAILED
        message.last_error = exc.reason
    except Exception as exc:  # a bug in an adapter must not stop the worker or leak the message
        log.exception("outbox message %s: unexpected error in adapter", message_id)
        message.state = MessageState.FAILED
        message.last_error = f"unexpected error ({type(exc).__name__})"
    else:
        message.state = MessageState.SENT
        message.sent_at = now
        message.provider_message_id = (receipt.provider_id or "")[:120]
        message.last_error = (receipt.answer or "")[:500]
    sync_communication(message)
    db.session.commit()
    # Only the id, the channel and a masked number reach the log.
    log.info("outbox message %s via %s to %s: %s", message.id, message.backend, mask_phone(message.to_address)
             if message.channel in MessageChannel.PHONE else "(email)", message.state)
    return message.state


def run_once(now: datetime | None = None, adapters: dict | None = None) -> RunSummary:
    """One pass: fail interrupted sends, claim what is due (within quiet hours and the rate), send it."""
    now = now or utcnow()
    summary = RunSummary()
    fail_interrupted(now)
    excluded: tuple[str, ...] = ()
    if in_quiet_hours(now):
        excluded = MessageChannel.PHONE
        summary.held_quiet = True
    budget = _cfg("MESSAGING_RATE_PER_MINUTE", 60) - attempts_in_last_minute(now)
    if budget <= 0:
        summary.rate_limited = True
        return summary
    batch = min(budget, _cfg("MESSAGING_BATCH", 50))
    ids = claim(now, batch, excluded)
    summary.claimed = len(ids)
    summary.rate_limited = len(ids) == budget and budget < _cfg("MESSAGING_BATCH", 50)
    for message_id in ids:
        state = send_one(message_id, now, adapters)
        summary.ids.append(message_id)
        if state == MessageState.SENT:
            summary.sent += 1
        elif state == MessageState.QUEUED:
            summary.retried += 1
        elif state == MessageState.FAILED:
            summary.failed += 1
    return summary


def work(interval: float = 5.0, once: bool = False, echo=None) -> None:
    """Run passes until stopped (Ctrl-C / SIGTERM); `once` for cron."""
    while True:
        try:
            summary = run_once()
        except Exception:  # the database went away for a moment: try again next pass
            db.session.rollback()
            log.exception("outbox pass failed")
            summary = None
        finally:
            db.session.remove()
        if echo and summary and summary.claimed:
            echo(f"sent {summary.sent}, retrying {summary.retried}, failed {summary.failed}")
        if once:
            return
        _time.sleep(interval)
