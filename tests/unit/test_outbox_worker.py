"""The outbox and its worker: messages written with their events, retries with backoff, quiet hours,
the rate per minute, exactly-once under concurrent workers, receipts, templates and segments."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.outbox import MessageState, OutboxMessage
from models.types import utcnow
from tests import factories as f
from workflow import state_machine as sm
from workflow.messaging import outbox
from workflow.messaging.channels import (
    Adapter,
    PermanentFailure,
    Receipt,
    TemporaryFailure,
    receipt_signature,
)
from workflow.messaging.templates import TemplateError, render, sms_segments, validate
from workflow.messaging.worker import backoff, in_quiet_hours, run_once


class FakeSms(Adapter):
    """Records what it was asked to send; fails as told."""

    name = "fake"
    channel = "sms"

    def __init__(self, failures=()):
        self.sent = []
        self.failures = list(failures)
        self.lock = threading.Lock()

    def send(self, out):
        with self.lock:
            self.sent.append(out.message_id)
            if self.failures:
                raise self.failures.pop(0)
        return Receipt(provider_id=f"p{out.message_id}", answer="ok")


def _noon(days: int = 1):
    """12:00 in Riyadh, `days` from today (after every message written now)."""
    return (utcnow() + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def sms(app):
    from workflow.policy_templates import get_profile

    get_profile().message_channel = "sms"
    app.config.update(SMS_BACKEND="fake", MESSAGING_RATE_PER_MINUTE=60, MESSAGING_MAX_ATTEMPTS=3,
                      MESSAGING_RETRY_BASE_SECONDS=60)
    db.session.commit()
    return FakeSms()


def _queue(n: int = 1) -> list[OutboxMessage]:
    messages = [outbox.free_text(f.beneficiary(), "موضوع", "نص الرسالة") for _ in range(n)]
    db.session.commit()
    return messages


# -- written with the event ---------------------------------------------------------------------
def test_a_transition_writes_its_message_in_the_same_transaction(app, users, sms):
    application = f.application()
    db.session.commit()
    sm.mark_incomplete(application, users["officer"], ["صك الإعالة"])
    db.session.rollback()  # the change is abandoned: its message goes with it
    events = list(db.session.scalars(select(OutboxMessage.event)))
    assert events == ["received"]
    sm.mark_incomplete(application, users["officer"], ["صك الإعالة"])
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.event == "incomplete"))
    assert message.state == MessageState.QUEUED and "- صك الإعالة" in message.body
    assert message.to_address == application.beneficiary.phone
    assert message.communication.beneficiary_id == application.beneficiary_id


def test_a_bad_number_never_blocks_the_workflow(app, users, sms):
    b = f.beneficiary(phone="0123")
    application = f.application(b)
    sm.mark_incomplete(application, users["officer"], ["إثبات الدخل"])
    db.session.commit()
    assert application.status == "incomplete"
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.event == "incomplete"))
    assert message.state == MessageState.FAILED and message.last_error == "no valid Saudi mobile number"
    assert message.communication.delivery == "sms-failed"


def test_opted_out_beneficiary_gets_nothing(app, sms):
    b = f.beneficiary(messages_opt_out=True)
    message = outbox.free_text(b, "s", "t")
    db.session.commit()
    assert message.state == MessageState.CANCELLED
    assert run_once(now=_noon(), adapters={"sms": sms}).claimed == 0 and sms.sent == []


def test_preferred_channel_wins_when_it_is_configured(app, sms):
    app.config.update(NOTIFIER_BACKEND="email")
    by_email = outbox.free_text(f.beneficiary(preferred_channel="email", email="a@example.org"), "s", "t")
    app.config.update(WHATSAPP_TOKEN="")
    not_configured = outbox.free_text(f.beneficiary(preferred_channel="whatsapp"), "s", "t")
    assert by_email.channel == "email" and by_email.to_address == "a@example.org"
    assert not_configured.channel == "sms"


def test_record_channel_waits_for_an_officer(app, users):
    message = outbox.free_text(f.beneficiary(), "s", "t")
    db.session.commit()
    assert message.channel == "record"
    assert run_once(now=_noon()).claimed == 0
    assert outbox.mark_sent(message, users["officer"])
    db.session.commit()
    assert message.state == MessageState.SENT and message.communication.delivery == "record-sent"


# -- retries and backoff --------------------------------------------------------------------------
def test_temporary_failures_back_off_then_give_up(app, sms):
    sms.failures = [TemporaryFailure("HTTP 503"), TemporaryFailure("timeout"), TemporaryFailure("HTTP 502")]
    [message] = _queue()
    now = _noon()
    run_once(now=now, adapters={"sms": sms})
    db.session.refresh(message)
    assert (message.state, message.attempts, message.next_attempt_at) == (MessageState.QUEUED, 1,
                                                                          now + timedelta(seconds=60))
    assert run_once(now=now + timedelta(seconds=59), adapters={"sms": sms}).claimed == 0
    later = now + timedelta(seconds=60)
    run_once(now=later, adapters={"sms": sms})
    db.session.refresh(message)
    assert message.attempts == 2 and message.next_attempt_at == later + timedelta(seconds=120)
    run_once(now=later + timedelta(seconds=120), adapters={"sms": sms})
    db.session.refresh(message)
    assert message.state == MessageState.FAILED and message.attempts == 3
    assert message.last_error == "gave up after 3 attempts: HTTP 502"
    assert message.communication.delivery == "sms-failed"
    assert len(sms.sent) == 3


def test_backoff_is_capped(app):
    app.config.update(MESSAGING_RETRY_BASE_SECONDS=60, MESSAGING_RETRY_MAX_SECONDS=600)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 480, 600]


def test_permanent_failure_is_not_retried(app, sms):
    sms.failures = [PermanentFailure("HTTP 400: unknown number")]
    [message] = _queue()
    run_once(now=_noon(), adapters={"sms": sms})
    run_once(now=_noon(2), adapters={"sms": sms})
    db.session.refresh(message)
    assert message.state == MessageState.FAILED and message.attempts == 1 and len(sms.sent) == 1


def test_staff_retry_and_resend(app, users, sms):
    sms.failures = [PermanentFailure("HTTP 400")]
    [message] = _queue()
    run_once(now=_noon(), adapters={"sms": sms})
    assert outbox.retry(message, users["officer"])
    db.session.commit()
    run_once(now=_noon(), adapters={"sms": sms})
    db.session.refresh(message)
    assert message.state == MessageState.SENT
    copy = outbox.resend(message, users["officer"])
    db.session.commit()
    run_once(now=_noon(), adapters={"sms": sms})
    assert copy.state == MessageState.SENT and sms.sent == [message.id, message.id, copy.id]
    assert not outbox.cancel(copy)  # only a waiting message can be cancelled


# -- quiet hours and rate ---------------------------------------------------------------------------
def test_quiet_hours_hold_sms_but_not_email(app, sms):
    app.config.update(NOTIFIER_BACKEND="email", MESSAGING_QUIET_HOURS="22:00-08:00")
    [text] = _queue()
    mail = outbox.free_text(f.beneficiary(preferred_channel="email", email="a@example.org"), "s", "t")
    db.session.commit()

    class FakeMail(FakeSms):
        channel = "email"

    mailer = FakeMail()
    night = _noon().replace(hour=20)  # 23:00 in Riyadh
    assert in_quiet_hours(night) and in_quiet_hours(night + timedelta(hours=8, minutes=59))
    summary = run_once(now=night, adapters={"sms": sms, "email": mailer})
    assert summary.held_quiet and sms.sent == [] and mailer.sent == [mail.id]
    morning = night + timedelta(hours=9)  # 08:00 in Riyadh
    assert not in_quiet_hours(morning)
    run_once(now=morning, adapters={"sms": sms})
    assert sms.sent == [text.id]


def test_rate_per_minute_is_shared(app, sms):
    app.config["MESSAGING_RATE_PER_MINUTE"] = 3
    messages = _queue(5)
    now = _noon()
    assert run_once(now=now, adapters={"sms": sms}).sent == 3
    summary = run_once(now=now + timedelta(seconds=30), adapters={"sms": sms})
    assert summary.claimed == 0 and summary.rate_limited
    assert run_once(now=now + timedelta(seconds=61), adapters={"sms": sms}).sent == 2
    assert sorted(sms.sent) == sorted(m.id for m in messages)


def test_an_interrupted_send_is_never_repeated(app, sms):
    [message] = _queue()
    message.state, message.last_attempt_at = MessageState.SENDING, _noon() - timedelta(hours=1)
    db.session.commit()
    run_once(now=_noon(), adapters={"sms": sms})
    db.session.refresh(message)
    assert message.state == MessageState.FAILED and "interrupted" in message.last_error and sms.sent == []


def test_two_workers_send_each_message_once(app, sms):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent workers need PostgreSQL (SQLite has one writer)")
    messages = _queue(30)
    now = _noon()
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(3):
                    run_once(now=now, adapters={"sms": sms})
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    app.config["MESSAGING_BATCH"] = 7  # several rounds each, so the workers really interleave
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(sms.sent) == sorted(m.id for m in messages)  # every one, none twice
    db.session.expire_all()
    assert {m.state for m in messages} == {MessageState.SENT}


# -- delivery receipts -----------------------------------------------------------------------------
def test_signed_receipt_marks_delivered_and_a_forged_one_is_refused(app, client, sms):
    [message] = _queue()
    run_once(now=_noon(), adapters={"sms": sms})
    forged = client.post(f"/messages/receipt/{message.id}/{'0' * 32}", json={"status": "delivered"})
    assert forged.status_code == 403
    good = client.post(f"/messages/receipt/{message.id}/{receipt_signature(message.id)}", json={"status": "delivered"})
    assert good.status_code == 200
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.state == MessageState.DELIVERED and message.communication.delivery == "sms-delivered"


def test_whatsapp_status_webhook_is_checked_against_the_app_secret(app, client):
    import hashlib
    import hmac
    import json

    app.config.update(WHATSAPP_APP_SECRET="app-secret", WHATSAPP_VERIFY_TOKEN="verify-me")
    message = outbox.queue_message("message", beneficiary=f.beneficiary(), subject="s", body="t", channel="whatsapp")
    message.state, message.provider_message_id = MessageState.SENT, "wamid.ABC"
    db.session.commit()
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
        "statuses": [{"id": "wamid.ABC", "status": "failed", "errors": [{"code": 131026,
                                                                          "title": "Message undeliverable"}]}]}}]}]}
                      ).encode()
    assert client.post("/messages/whatsapp", data=body, headers={"X-Hub-Signature-256": "sha256=bad",
                                                                  "Content-Type": "application/json"}
                       ).status_code == 403
    signature = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    ok = client.post("/messages/whatsapp", data=body, headers={"X-Hub-Signature-256": signature,
                                                                "Content-Type": "application/json"})
    assert ok.status_code == 200 and ok.get_json()["changed"] == 1
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.state == MessageState.FAILED and "131026" in message.last_error
    check = client.get("/messages/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
    assert check.status_code == 200 and check.get_data(as_text=True) == "42"
    assert client.get("/messages/whatsapp?hub.mode=subscribe&hub.verify_token=no&hub.challenge=42"
                      ).status_code == 403


# -- templates and segments -------------------------------------------------------------------------
def test_template_variables_are_validated():
    validate("السلام عليكم {name}، طلبكم {reference}")
    for bad in ("{nmae}", "{name.__class__}", "{name!r}", "{name:>10}", "{reference", "{0}"):
        with pytest.raises(TemplateError):
            validate(bad)
    assert render("{name} – {{literal}} – {missing}", {"name": "أحمد"}) == "أحمد – {literal} – "


def test_sms_segments_follow_gsm7_and_ucs2_rules():
    assert sms_segments("a" * 160) == ("GSM-7", 1, 160)
    assert sms_segments("a" * 161) == ("GSM-7", 2, 161)
    assert sms_segments("a" * 306) == ("GSM-7", 2, 306) and sms_segments("a" * 307)[1] == 3
    assert sms_segments("€" * 80) == ("GSM-7", 1, 160)  # extension characters count twice
    assert sms_segments("ب" * 70) == ("UCS-2", 1, 70)
    assert sms_segments("ب" * 71) == ("UCS-2", 2, 71)
    assert sms_segments("ب" * 134)[1] == 2 and sms_segments("ب" * 135)[1] == 3
    assert sms_segments("") == ("GSM-7", 0, 0)


def test_seeded_templates_render_every_event_and_survey_questions_exist(app):
    from models.outbox import MessageTemplate
    from models.survey import SurveyQuestion
    from workflow.reference import load_defaults

    added = load_defaults()
    assert added["message_template"] >= 20 and added["survey_question"] == 5
    for template in db.session.scalars(select(MessageTemplate)):
        validate(template.subject)
        validate(template.body)
    assert db.session.scalar(select(SurveyQuestion).order_by(SurveyQuestion.sort_order)).text_ar.startswith("ما مدى")
    assert "message_template" not in load_defaults()  # idempotent
