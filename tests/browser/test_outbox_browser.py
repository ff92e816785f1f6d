"""A request from receipt to decision in the browser, and the messages it wrote: the outbox rows,
the "copy text" button, "mark as sent by hand", and the beneficiary's page (messages and timeline)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from extensions import db
from models.application import Application, Status
from models.organisation import OrganisationProfile
from models.outbox import OutboxMessage
from tests import factories as f
from tests.conftest import PASSWORD

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/outbox-shots"))

pytestmark = pytest.mark.browser


@pytest.fixture
def ob_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-SA")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, base, email):
    from tests.browser.conftest import sign_in

    sign_in(page, base, email, PASSWORD)


def test_request_to_decision_writes_messages_the_officer_can_send_by_hand(app, users, live_server, ob_page):
    page, base = ob_page, live_server
    db.session.add(OrganisationProfile(id=1, name_ar="جمعية البر بسكاكا", licence_no="1234"))
    b = f.beneficiary(first_name="نورة", family_name="الرويلي", gender="female", phone="+966551234567")
    f.sign(b)
    f.service_type(name="سلة غذائية", period=14)
    f.channel()
    db.session.commit()

    # Receipt: the officer registers the request.
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/application/new/")
    page.click("#s2id_beneficiary, .select2-container")
    page.keyboard.type("الرويلي")
    page.wait_for_selector(".select2-result-label, .select2-results__option--highlighted, .select2-result")
    page.keyboard.press("Enter")
    page.select_option("select#service_type", label="سلة غذائية", force=True)
    page.click("input[type=submit].btn-primary, button[type=submit].btn-primary")
    application = db.session.query(Application).one()
    app_id, reference = application.id, application.reference

    # Verified and raised to the committee from the request's page.
    page.goto(f"{base}/admin/application/details/?id={app_id}")
    page.click("#act-verify")
    page.wait_for_selector("#act-raise_to_committee")
    page.click("#act-raise_to_committee")
    page.wait_for_selector("#status .status-awaiting_committee")

    # The committee member decides in an open session.
    member = users["committee"]
    session = f.session([member], present=[member], agenda=[db.session.get(Application, app_id)])
    db.session.commit()
    _sign_in(page, base, member.email)
    page.goto(f"{base}/admin/committeesession/details/?id={session.id}")
    page.wait_for_selector(".decision-form")
    page.check(".decision-form input[type=radio][value=accept]")
    page.fill(".decision-form textarea[name$='granted']", "سلة غذائية شهرية")
    page.click(".decision-form button")
    page.wait_for_selector(".agenda-item .decision")
    db.session.expire_all()
    assert db.session.get(Application, app_id).status == Status.ACCEPTED

    # The outbox holds the two messages, waiting for an officer (record channel).
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/outbox/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert page.locator("[data-state='queued']").count() == 2 and reference in page.content()
    _shot(page, "01-outbox-list")
    decision_message = db.session.query(OutboxMessage).filter_by(event="decision_accept").one()
    page.goto(f"{base}/admin/outbox/details/?id={decision_message.id}")
    assert "سلة غذائية شهرية" in page.inner_text("#message-text")
    assert "UCS-2" in page.inner_text("#segments")
    page.click("#copy-text")
    page.wait_for_function("document.querySelector('#copy-text').textContent.trim() === 'نُسخ'")
    assert "سلة غذائية شهرية" in page.evaluate("navigator.clipboard.readText()")
    _shot(page, "02-outbox-message")
    page.click("#message-actions button[value=mark_sent]")
    page.wait_for_selector("[data-state='sent']")

    # The beneficiary's page: messages with their state, and the timeline.
    page.goto(f"{base}/admin/beneficiary/details/?id={b.id}")
    messages = page.locator("#beneficiary-messages tbody tr")
    assert messages.count() == 2
    assert page.locator("#beneficiary-messages tr[data-state='sent']").count() == 1
    timeline = page.inner_text("#timeline")
    assert "الموافقة على طلبكم" in timeline and "أُرسلت يدويًا" in timeline and "استلام طلبكم" in timeline
    _shot(page, "03-beneficiary-messages-timeline")
