"""Each channel adapter against a fake provider on 127.0.0.1: the request is the one the provider's
documentation describes, and success, 4xx, 5xx and timeouts end as they should."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from extensions import db
from models.outbox import MessageState, OutboxMessage
from tests import factories as f
from tests.messaging_fakes import FakeProvider
from workflow.messaging import outbox
from workflow.messaging.channels import Outgoing, PermanentFailure, TemporaryFailure
from workflow.messaging.sms_taqnyat import TaqnyatAdapter
from workflow.messaging.sms_unifonic import UnifonicAdapter
from workflow.messaging.sms_webhook import WebhookAdapter
from workflow.messaging.whatsapp import WhatsAppAdapter
from workflow.messaging.worker import run_once

ARABIC = "السلام عليكم، تم استلام طلبكم رقم REQ-1447-000001"


@pytest.fixture
def provider(app):
    fake = FakeProvider()
    app.config["MESSAGING_HTTP_TIMEOUT"] = 0.5
    yield fake
    fake.stop()


def _out(**kw):
    values = dict(message_id=7, to="+966551234567", text=ARABIC, reference="REQ-1447-000001", sender="CHARITY")
    values.update(kw)
    return Outgoing(**values)


# -- Unifonic -----------------------------------------------------------------------------------
def test_unifonic_request_is_the_documented_form(app, provider):
    app.config.update(UNIFONIC_APP_SID="app-sid-secret", UNIFONIC_URL=provider.url + "/rest/SMS/messages")
    provider.answers = [(200, {"success": True, "message": "", "errorCode": "ER-00",
                               "data": {"MessageID": 3300123, "Status": "Sent"}})]
    receipt = UnifonicAdapter().send(_out())
    [seen] = provider.seen
    assert seen.path == "/rest/SMS/messages"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.form() == {"AppSid": "app-sid-secret", "SenderID": "CHARITY", "Recipient": "966551234567",
                           "Body": ARABIC, "responseType": "JSON", "CorrelationID": "7"}
    assert receipt.provider_id == "3300123"


def test_unifonic_refusal_in_a_200_answer_fails_permanently(app, provider):
    app.config.update(UNIFONIC_APP_SID="x", UNIFONIC_URL=provider.url)
    provider.answers = [(200, {"success": False, "message": "Invalid recipient 966551234567",
                               "errorCode": "ER-05"})]
    with pytest.raises(PermanentFailure) as failure:
        UnifonicAdapter().send(_out())
    assert "ER-05" in failure.value.reason
    assert "966551234567" not in failure.value.reason  # the number never reaches the stored reason


@pytest.mark.parametrize("answer, error", [((400, {"message": "bad"}), PermanentFailure),
                                           ((503, {}), TemporaryFailure), ("hang", TemporaryFailure)])
def test_unifonic_errors(app, provider, answer, error):
    app.config.update(UNIFONIC_APP_SID="x", UNIFONIC_URL=provider.url)
    provider.answers = [answer]
    with pytest.raises(error):
        UnifonicAdapter().send(_out())


# -- Taqnyat ------------------------------------------------------------------------------------
def test_taqnyat_request_is_the_documented_json(app, provider):
    app.config.update(TAQNYAT_TOKEN="bearer-token", TAQNYAT_URL=provider.url + "/v1/messages")
    provider.answers = [(201, {"statusCode": 201, "messageId": 9876, "cost": "0.25", "totalCount": 1})]
    receipt = TaqnyatAdapter().send(_out())
    [seen] = provider.seen
    assert seen.path == "/v1/messages"
    assert seen.headers["authorization"] == "Bearer bearer-token"
    assert seen.json() == {"recipients": ["966551234567"], "body": ARABIC, "sender": "CHARITY"}
    assert receipt.provider_id == "9876"


@pytest.mark.parametrize("answer, error", [((401, {"statusCode": 401, "message": "Unauthorized"}), PermanentFailure),
                                           ((500, {}), TemporaryFailure), ("hang", TemporaryFailure)])
def test_taqnyat_errors(app, provider, answer, error):
    app.config.update(TAQNYAT_TOKEN="t", TAQNYAT_URL=provider.url)
    provider.answers = [answer]
    with pytest.raises(error):
        TaqnyatAdapter().send(_out())


def test_taqnyat_without_sender_name_fails_clearly(app, provider):
    app.config.update(TAQNYAT_TOKEN="t", TAQNYAT_URL=provider.url)
    with pytest.raises(PermanentFailure) as failure:
        TaqnyatAdapter().send(_out(sender=""))
    assert "sender" in failure.value.reason and provider.seen == []


# -- generic webhook ----------------------------------------------------------------------------
def test_webhook_payload_and_signature(app, provider):
    app.config.update(SMS_WEBHOOK_URL=provider.url + "/hook", SMS_WEBHOOK_SECRET="s3cret")
    provider.answers = [(202, {"id": "gw-1"})]
    receipt = WebhookAdapter().send(_out(callback_url="https://example.org/messages/receipt/7/abc"))
    [seen] = provider.seen
    payload = seen.json()
    assert payload == {"to": "+966551234567", "text": ARABIC, "message_id": 7, "reference": "REQ-1447-000001",
                       "sender": "CHARITY", "encoding": "UCS-2", "segments": 1,
                       "callback_url": "https://example.org/messages/receipt/7/abc"}
    assert seen.headers["x-signature"] == hmac.new(b"s3cret", seen.body, hashlib.sha256).hexdigest()
    assert receipt.provider_id == "gw-1"


@pytest.mark.parametrize("answer, error", [((422, {"error": "bad number"}), PermanentFailure),
                                           ((502, {}), TemporaryFailure), ("hang", TemporaryFailure)])
def test_webhook_errors(app, provider, answer, error):
    app.config.update(SMS_WEBHOOK_URL=provider.url)
    provider.answers = [answer]
    with pytest.raises(error):
        WebhookAdapter().send(_out())


def test_webhook_unreachable_is_temporary(app):
    from tests.unit.test_notify_smtp import _free_port

    app.config.update(SMS_WEBHOOK_URL=f"http://127.0.0.1:{_free_port()}/")
    with pytest.raises(TemporaryFailure):
        WebhookAdapter().send(_out())


# -- WhatsApp Cloud API -------------------------------------------------------------------------
def test_whatsapp_template_payload(app, provider):
    app.config.update(WHATSAPP_TOKEN="wa-token", WHATSAPP_PHONE_NUMBER_ID="1055", WHATSAPP_API_URL=provider.url + "/v21.0")
    provider.answers = [(200, {"messaging_product": "whatsapp", "contacts": [{"input": "966551234567",
                                                                              "wa_id": "966551234567"}],
                               "messages": [{"id": "wamid.HBgM"}]})]
    receipt = WhatsAppAdapter().send(_out(template_name="request_received", template_params=["أحمد", "REQ-1"]))
    [seen] = provider.seen
    assert seen.path == "/v21.0/1055/messages"
    assert seen.headers["authorization"] == "Bearer wa-token"
    assert seen.json() == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "966551234567", "type": "template",
        "template": {"name": "request_received", "language": {"code": "ar"},
                     "components": [{"type": "body", "parameters": [{"type": "text", "text": "أحمد"},
                                                                     {"type": "text", "text": "REQ-1"}]}]}}
    assert receipt.provider_id == "wamid.HBgM"


def test_whatsapp_without_template_or_with_an_unapproved_one_fails_at_once(app, provider):
    app.config.update(WHATSAPP_TOKEN="t", WHATSAPP_PHONE_NUMBER_ID="1", WHATSAPP_API_URL=provider.url)
    with pytest.raises(PermanentFailure) as failure:
        WhatsAppAdapter().send(_out())
    assert "template" in failure.value.reason and provider.seen == []
    provider.answers = [(400, {"error": {"message": "Template name does not exist in the translation",
                                         "code": 132001}})]
    with pytest.raises(PermanentFailure) as failure:
        WhatsAppAdapter().send(_out(template_name="not_approved"))
    assert "132001" in failure.value.reason


@pytest.mark.parametrize("answer", [(500, {}), "hang"])
def test_whatsapp_server_trouble_is_temporary(app, provider, answer):
    app.config.update(WHATSAPP_TOKEN="t", WHATSAPP_PHONE_NUMBER_ID="1", WHATSAPP_API_URL=provider.url)
    provider.answers = [answer]
    with pytest.raises(TemporaryFailure):
        WhatsAppAdapter().send(_out(template_name="x"))


def test_missing_credentials_fail_without_calling_anyone(app, provider):
    app.config.update(UNIFONIC_APP_SID="", UNIFONIC_URL=provider.url)
    with pytest.raises(PermanentFailure) as failure:
        UnifonicAdapter().send(_out())
    assert "UNIFONIC_APP_SID" in failure.value.reason and provider.seen == []


# -- through the worker ---------------------------------------------------------------------------
def _daytime():
    """Tomorrow 12:00 in Riyadh: after every message written now, outside quiet hours."""
    from datetime import timedelta

    from models.types import utcnow

    return (utcnow() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def test_worker_sends_a_request_notice_by_sms_through_the_configured_gateway(app, users, provider):
    from workflow.policy_templates import get_profile

    profile = get_profile()
    profile.message_channel, profile.sms_sender = "sms", "CHARITY"
    app.config.update(SMS_BACKEND="taqnyat", TAQNYAT_TOKEN="t", TAQNYAT_URL=provider.url + "/v1/messages")
    provider.answers = [(201, {"statusCode": 201, "messageId": 555})]
    application = f.application(f.beneficiary(phone="+966551234567"))
    db.session.commit()
    assert provider.seen == []  # written, not sent
    summary = run_once(now=_daytime())
    assert summary.sent == 1
    [seen] = provider.seen
    assert seen.json()["recipients"] == ["966551234567"] and application.reference in seen.json()["body"]
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.application_id == application.id))
    assert (message.state, message.provider_message_id, message.backend) == (MessageState.SENT, "555", "taqnyat")
    assert message.communication.delivery == "sms-sent"


def test_worker_fails_a_4xx_at_once_and_retries_a_5xx(app, users, provider):
    from workflow.policy_templates import get_profile

    get_profile().message_channel = "sms"
    app.config.update(SMS_BACKEND="webhook", SMS_WEBHOOK_URL=provider.url)
    provider.answers = [(400, {"error": "unknown number"})]
    first = outbox.free_text(f.beneficiary(), "s", "نص")
    db.session.commit()
    run_once(now=_daytime())
    db.session.refresh(first)
    assert first.state == MessageState.FAILED and first.attempts == 1 and "HTTP 400" in first.last_error
    provider.seen.clear()
    provider.answers = [(503, {})]
    second = outbox.free_text(f.beneficiary(), "s", "نص")
    db.session.commit()
    run_once(now=_daytime())
    db.session.refresh(second)
    assert second.state == MessageState.QUEUED and second.attempts == 1 and "HTTP 503" in second.last_error


def test_send_test_command_prints_the_providers_answer(app, provider):
    from cli import outbox_send_test_command

    app.config.update(SMS_BACKEND="taqnyat", TAQNYAT_TOKEN="t", TAQNYAT_URL=provider.url, SMS_SENDER="CHARITY")
    provider.answers = [(201, {"statusCode": 201, "messageId": 4242})]
    runner = app.test_cli_runner()
    result = runner.invoke(outbox_send_test_command, ["--channel", "sms", "--to", "0551234567"])
    assert result.exit_code == 0, result.output
    assert "taqnyat" in result.output and "4242" in result.output and "UCS-2" in result.output
    assert "0551234567" not in result.output and "551234567" not in result.output  # masked
    assert provider.seen[0].json()["recipients"] == ["966551234567"]
    provider.answers = [(400, {"statusCode": 400, "message": "Sender name not active"})]
    result = runner.invoke(outbox_send_test_command, ["--channel", "sms", "--to", "0551234567"])
    assert result.exit_code != 0 and "Sender name not active" in result.output
    result = runner.invoke(outbox_send_test_command, ["--channel", "sms", "--to", "12"])
    assert result.exit_code != 0
