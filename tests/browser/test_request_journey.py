"""One request from receipt to service, through the browser, as the four roles:
officer (receive, refer, verify, raise, deliver, close), specialist (research),
admin (committee session and agenda), committee member (presence, decision).

Fixtures are local (wf_*) so this module does not depend on a shared browser conftest.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from extensions import db
from models.application import Application, Status
from models.organisation import OrganisationProfile
from tests import factories as f
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/workflow-shots"))

pytestmark = pytest.mark.browser


@pytest.fixture
def wf_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-SA")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, base, email):
    sign_in(page, base, email, PASSWORD)  # signs out first; answers the admin's second-factor step


def _status(app_id):
    db.session.expire_all()
    return db.session.get(Application, app_id).status


def test_request_from_receipt_to_service(app, users, live_server, wf_page):
    page, base = wf_page, live_server
    db.session.add(OrganisationProfile(id=1, name_ar="جمعية حفظ النعمة بالجوف", licence_no="05057",
                                       phone="0146240000", email="info@example.org"))
    b = f.beneficiary(first_name="سارة", family_name="الشمري", gender="female", monthly_income=1200)
    f.sign(b)
    st = f.service_type(name="سلة غذائية شهرية", period=14, mechanisms=["administrative_review", "field_visit"],
                        criteria=[("nationality", "eq", "SA"), ("income_per_member", "le", "1500")])
    f.channel()
    db.session.commit()

    # 1. The officer receives the request (beneficiary picked through the search box).
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/application/new/")
    lookups = []
    page.on("request", lambda r: lookups.append(r) if "/ajax/lookup/" in r.url else None)
    page.click("#s2id_beneficiary, .select2-container")
    page.keyboard.type("الشمري")
    page.wait_for_selector(".select2-result-label, .select2-results__option--highlighted, .select2-result")
    page.keyboard.press("Enter")
    # The typed name travelled in a POST body, never in a URL.
    assert lookups and all(r.method == "POST" and "query=" not in r.url for r in lookups)
    assert "الشمري" in (lookups[-1].post_data or "") or "%D8%A7%D9%84" in (lookups[-1].post_data or "")
    page.select_option("select#service_type", label="سلة غذائية شهرية", force=True)
    page.fill("textarea#description, input#description", "أسرة من خمسة أفراد تطلب سلة غذائية")
    _shot(page, "01-officer-new-request")
    page.click("input[type=submit].btn-primary, button[type=submit].btn-primary")
    application = db.session.query(Application).one()
    app_id = application.id
    assert application.status == Status.RECEIVED

    # 2. Details page: checklist, then refer to the specialist (a form that needs input).
    page.goto(f"{base}/admin/application/details/?id={app_id}")
    page.wait_for_selector("#checklist")
    _shot(page, "02-officer-details-received")
    page.click("#act-refer_to_specialist")
    page.select_option("select#specialist", str(users["specialist"].id))
    page.fill("textarea#reason", "الخدمة تتطلب زيارة ميدانية للتحقق من السكن")
    _shot(page, "03-officer-refer-form")
    page.click("#submit-action")
    page.wait_for_selector("#request-summary")
    assert _status(app_id) == Status.WITH_SPECIALIST

    # 3. The specialist finds it in "My referrals" and records the research.
    _sign_in(page, base, users["specialist"].email)
    page.goto(f"{base}/admin/referral/")
    assert application.reference in page.content()
    _shot(page, "04-specialist-my-referrals")
    page.click("a[href*='research/?id=']")
    page.select_option("select#mechanism", "field_visit")
    page.fill("textarea#findings", "تمت زيارة المنزل؛ مستأجر ويحتاج إلى صيانة، والدخل لا يكفي الأسرة.")
    page.fill("textarea#household_situation", "أم وأربعة أطفال في سن الدراسة.")
    page.check("input[name=recommendation][value=accept]")
    _shot(page, "05-specialist-research-form")
    page.click("#submit-research")
    page.wait_for_selector(".alert-success")
    assert _status(app_id) == Status.RECEIVED

    # 4. The officer verifies and raises it to the committee.
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/application/details/?id={app_id}")
    assert page.locator("#recommendation").count() == 1
    page.click("#act-verify")
    page.wait_for_selector("#act-raise_to_committee")
    assert _status(app_id) == Status.VERIFIED
    page.click("#act-raise_to_committee")
    page.wait_for_selector("#status .status-awaiting_committee")
    _shot(page, "06-officer-raised")
    page.goto(f"{base}/admin/application/")
    _shot(page, "06b-officer-list")

    # 5. The admin sets up the session and its agenda.
    _sign_in(page, base, users["admin"].email)
    page.goto(f"{base}/admin/committeesession/new/")
    page.fill("input#number", "1447/05")
    page.fill("input#held_on", "2025-10-05")
    page.fill("input#place", "مقر الجمعية بسكاكا")
    page.evaluate("id => { const s = document.querySelector('select#members'); "
                  "for (const o of s.options) { o.selected = (o.value === String(id)); } "
                  "s.dispatchEvent(new Event('change', {bubbles: true})); }", users["committee"].id)
    page.click("input[type=submit].btn-primary, button[type=submit].btn-primary")
    page.goto(f"{base}/admin/committeesession/")
    page.click("a[href*='/admin/committeesession/details/']")
    page.check(f"#cand-{app_id}")
    page.click("#add-to-agenda")
    page.wait_for_selector(f".agenda-item")
    _shot(page, "07-admin-session-agenda")

    # 6. The committee member marks presence and decides.
    _sign_in(page, base, users["committee"].email)
    page.goto(f"{base}/admin/committeesession/")
    page.click("a[href*='/admin/committeesession/details/']")
    page.click(f"#presence-{users['committee'].id}")
    page.wait_for_selector(".decision-form")
    page.check(".decision-form input[type=radio][value=accept]")
    page.fill(".decision-form textarea[name$='granted']", "سلة غذائية شهرية لمدة ستة أشهر")
    _shot(page, "08-committee-decision-form")
    page.click(".decision-form button")
    page.wait_for_selector(".agenda-item .decision")
    assert _status(app_id) == Status.ACCEPTED
    page.click("#close-session")
    page.wait_for_selector("#session-status")
    _shot(page, "09-committee-session-closed")
    with page.expect_popup() as popup:
        page.click("#minutes-link")
    minutes = popup.value
    minutes.wait_for_load_state()
    assert "جمعية حفظ النعمة بالجوف" in minutes.content() and "قبول" in minutes.content()
    _shot(minutes, "10-minutes")
    minutes.close()

    # 7. The officer delivers the service and closes the request; the letter prints.
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/application/details/?id={app_id}")
    with page.expect_popup() as popup:
        page.click("#decisions a")
    letter = popup.value
    letter.wait_for_load_state()
    assert "الموافقة" in letter.content() and "05057" in letter.content() and "هـ" in letter.content()
    _shot(letter, "11-decision-letter")
    letter.close()
    page.click("#act-deliver")
    page.wait_for_selector("#act-close")
    page.click("#act-close")
    page.wait_for_selector("#status .status-closed")
    _shot(page, "12-officer-closed-timeline")
    assert _status(app_id) == Status.CLOSED
    actions = [e.action for e in db.session.get(Application, app_id).events]
    assert actions == ["receive", "refer_to_specialist", "submit_research", "verify", "raise_to_committee",
                       "accept", "deliver", "close"]
    # The beneficiary was told of the decision.
    assert any("الموافقة" in c.subject for c in db.session.get(Application, app_id).beneficiary.communications)
