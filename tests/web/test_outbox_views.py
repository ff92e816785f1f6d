"""The outbox screen, message templates, preferences and the dashboard's failed messages, as staff use them."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.outbox import MessageState, MessageTemplate, OutboxMessage
from tests import factories as f
from tests.conftest import csrf_token, login
from workflow.messaging import outbox


def _token(client, url="/admin/"):
    return csrf_token(client.get(url).get_data(as_text=True))


def _logout(client):
    client.post("/logout", data={"csrf_token": _token(client)})


def test_officer_copies_a_recorded_message_and_marks_it_sent(app, client, users):
    application = f.application()
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.application_id == application.id))
    assert message.channel == "record" and message.state == MessageState.QUEUED
    login(client, users["officer"].email)
    listing = client.get("/admin/outbox/").get_data(as_text=True)
    assert application.reference in listing and 'data-state="queued"' in listing
    page = client.get(f"/admin/outbox/details/?id={message.id}").get_data(as_text=True)
    assert 'data-copy-target="message-text"' in page and "js/outbox.js" in page
    assert application.reference in page and "UCS-2" in page  # Arabic text: counted in UCS-2 segments
    assert "<script>" not in page.replace("<script src", "")
    token = csrf_token(page)
    client.post("/admin/outbox/act/", data={"csrf_token": token, "id": message.id, "action": "mark_sent"})
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.state == MessageState.SENT and message.staff_id == users["officer"].id
    assert message.communication.delivery == "record-sent"


def test_action_without_csrf_or_by_the_wrong_role_changes_nothing(app, client, users):
    message = outbox.free_text(f.beneficiary(), "s", "t")
    db.session.commit()
    login(client, users["officer"].email)
    assert client.post("/admin/outbox/act/", data={"id": message.id, "action": "cancel"}).status_code == 400
    _logout(client)
    login(client, users["viewer"].email)
    token = _token(client)
    assert client.post("/admin/outbox/act/", data={"csrf_token": token, "id": message.id,
                                                   "action": "cancel"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).state == MessageState.QUEUED


def test_retry_cancel_and_resend_from_the_list(app, client, users):
    failed = outbox.free_text(f.beneficiary(), "s", "t")
    failed.state, failed.last_error = MessageState.FAILED, "HTTP 503"
    waiting = outbox.free_text(f.beneficiary(), "s", "t")
    db.session.commit()
    login(client, users["officer"].email)
    token = _token(client, "/admin/outbox/")
    client.post("/admin/outbox/action/", data={"csrf_token": token, "action": "retry", "rowid": [str(failed.id)]})
    client.post("/admin/outbox/action/", data={"csrf_token": token, "action": "cancel", "rowid": [str(waiting.id)]})
    client.post("/admin/outbox/action/", data={"csrf_token": token, "action": "resend", "rowid": [str(waiting.id)]})
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).state == MessageState.QUEUED
    assert db.session.get(OutboxMessage, waiting.id).state == MessageState.CANCELLED
    assert db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc())).body == "t"
    failed_only = client.get("/admin/outbox/?state=failed").get_data(as_text=True)
    assert 'data-state="queued"' not in failed_only


def test_dashboard_shows_failed_messages_to_officers(app, client, users):
    message = outbox.free_text(f.beneficiary(phone="123"), "s", "t", )
    message.state = MessageState.FAILED
    db.session.commit()
    login(client, users["officer"].email)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="dash-failed-messages"' in home and "/admin/outbox/?state=failed" in home
    _logout(client)
    login(client, users["committee"].email)
    assert 'id="dash-failed-messages"' not in client.get("/admin/").get_data(as_text=True)


def test_template_with_unknown_variable_is_refused_and_keeps_the_text(app, client, users):
    login(client, users["admin"].email)
    token = _token(client, "/admin/messagetemplate/new/")
    response = client.post("/admin/messagetemplate/new/", data={
        "csrf_token": token, "event": "received", "language": "ar", "subject": "طلب {reference}",
        "body": "مرحبا {nmae}", "whatsapp_template": "", "whatsapp_params": "", "active": "y"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "{nmae}" in body and db.session.scalar(select(MessageTemplate)) is None
    response = client.post("/admin/messagetemplate/new/", data={
        "csrf_token": token, "event": "received", "language": "ar", "subject": "طلب {reference}",
        "body": "مرحبا {name}، طلبكم {reference}", "whatsapp_template": "request_received",
        "whatsapp_params": "name, reference", "active": "y"}, follow_redirects=True)
    template = db.session.scalar(select(MessageTemplate))
    assert template is not None and template.whatsapp_params == "name, reference"
    # The saved template is used for the next request, with the parameters for WhatsApp.
    application = f.application()
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.application_id == application.id))
    assert message.body == f"مرحبا {application.beneficiary.full_name}، طلبكم {application.reference}"
    assert message.template_name == "request_received"
    assert message.template_params == [application.beneficiary.full_name, application.reference]
    edit = client.get(f"/admin/messagetemplate/edit/?id={template.id}").get_data(as_text=True)
    assert "UCS-2" in edit and "preview" in edit
    preview = client.get(f"/admin/messagetemplate/preview/?id={template.id}&reference={application.reference}")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and application.beneficiary.full_name in text


def test_beneficiary_preferences_are_saved_from_the_beneficiary_page(app, client, users):
    b = f.beneficiary()
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get(f"/admin/beneficiary/details/?id={b.id}").get_data(as_text=True)
    assert 'id="message-preferences"' in page
    token = csrf_token(page)
    client.post(f"/admin/message-preferences/{b.id}", data={"csrf_token": token, "preferred_channel": "email",
                                                            "messages_opt_out": "y"})
    db.session.expire_all()
    b = db.session.get(type(b), b.id)
    assert b.preferred_channel == "email" and b.messages_opt_out is True
    client.post(f"/admin/message-preferences/{b.id}", data={"csrf_token": token, "preferred_channel": "pigeon"})
    db.session.expire_all()
    assert db.session.get(type(b), b.id).preferred_channel == "email"  # refused, unchanged
    _logout(client)
    login(client, users["viewer"].email)
    token = _token(client)
    assert client.post(f"/admin/message-preferences/{b.id}",
                       data={"csrf_token": token, "preferred_channel": ""}).status_code == 403


def test_organisation_chooses_the_channel_in_settings(app, client, users):
    from workflow.policy_templates import get_profile

    get_profile()
    db.session.commit()
    login(client, users["admin"].email)
    page = client.get("/admin/organisationprofile/edit/?id=1").get_data(as_text=True)
    assert 'name="message_channel"' in page and 'name="sms_sender"' in page
    assert "TAQNYAT_TOKEN" not in page  # credentials never shown back


def test_officer_sends_the_status_link_from_the_request_page(app, client, users):
    application = f.application()
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get(f"/admin/application/details/?id={application.id}").get_data(as_text=True)
    assert 'id="send-status-link"' in page
    client.post("/admin/outbox/status-link/", data={"csrf_token": csrf_token(page), "application_id": application.id})
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.event == "status_link"))
    assert message is not None and "/status" in message.body and application.reference in message.body
    _logout(client)
    login(client, users["committee"].email)
    token = _token(client)
    assert client.post("/admin/outbox/status-link/", data={"csrf_token": token,
                                                           "application_id": application.id}).status_code == 403
