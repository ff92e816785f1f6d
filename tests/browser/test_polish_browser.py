"""Issue 15 in a real browser: what a person sees on each changed screen, in Arabic and English.

Screenshots go to $SCREENSHOT_DIR (default /tmp/polish-shots), one per screen and language.
"""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from extensions import db
from models.organisation import OrganisationProfile
from tests import factories as f
from tests.conftest import PASSWORD
from tests.registry_helpers import png_bytes
from workflow import state_machine as sm

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/polish-shots"))
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, base, email, lang="ar"):
    from tests.browser.conftest import sign_in

    sign_in(page, base, email, PASSWORD)
    page.goto(f"{base}/admin/?lang={lang}")


def _first_and_last_left(page, element):
    """Where the first and the last character of an element's text are drawn (x, in pixels)."""
    return page.evaluate("""el => { const t = el.firstChild, r = document.createRange();
        r.setStart(t, 0); r.setEnd(t, 1); const first = r.getBoundingClientRect().left;
        r.setStart(t, t.length - 1); r.setEnd(t, t.length); return [first, r.getBoundingClientRect().left]; }""",
                         element)


def _profile_with_logo():
    from workflow.storage import save_bytes

    profile = OrganisationProfile(id=1, name_ar="جمعية حفظ النعمة بالجوف", licence_no="05057",
                                  phone="+966146240000", email="info@example.org",
                                  committee_name_ar="الإدارة المختصة")
    profile.logo = save_bytes(png_bytes(), "logo.png")
    db.session.add(profile)
    return profile


def _decided_request(users):
    officer, member = users["officer"], users["committee"]
    b = f.beneficiary(first_name="منى", family_name="الشمري", gender="female", phone="+966551234567")
    f.sign(b)
    application = f.application(b=b, actor=officer)
    sm.verify(application, officer)
    sm.raise_to_committee(application, officer)
    session = f.session([member], present=[member], number="1447/05", agenda=[application])
    sm.decide(application, member, session, "accept", granted="سلة غذائية")
    return application, session


# -- 10. the logo on the printed letterhead, as an A4 PDF from Chromium --------------------------
def test_minutes_and_decision_letter_print_on_a4_with_the_logo(app, users, live_server, page):
    _profile_with_logo()
    application, session = _decided_request(users)
    db.session.commit()
    _sign_in(page, live_server, users["admin"].email)
    for url, name in ((f"/admin/committeesession/minutes/?id={session.id}", "print-minutes"),
                      (f"/admin/application/letter/?id={application.decisions[-1].id}", "print-decision-letter")):
        page.goto(live_server + url)
        logo = page.locator(".letterhead img.letterhead-logo")
        assert logo.count() == 1 and logo.get_attribute("src").endswith("/logo")
        assert page.evaluate("() => document.querySelector('img.letterhead-logo').naturalWidth") > 0  # it loaded
        assert "جمعية حفظ النعمة بالجوف" in page.inner_text(".letterhead")
        phone = page.locator(".letterhead bdi.ltr-value", has_text="966").element_handle()
        assert _first_and_last_left(page, phone)[0] < _first_and_last_left(page, phone)[1]  # «+966…» in order
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        page.emulate_media(media="screen")
        assert pdf.startswith(b"%PDF")
        box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert box and abs(float(box[1]) - 595) < 2 and abs(float(box[2]) - 842) < 2  # A4, in points
        assert re.search(rb"/Subtype\s*/Image", pdf)  # the logo is in the printed page
        _shot(page, f"{name}-ar")
    assert "الإدارة المختصة" in page.inner_text("body")


# -- 13 (LTR values), 15 (home), 16 (record research): the specialist's and officer's screens ------
def test_ltr_values_keep_their_order_and_references_do_not_break(app, users, live_server, page):
    application, _session = _decided_request(users)
    db.session.commit()
    _sign_in(page, live_server, users["officer"].email)
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(f"{live_server}/admin/application/?lang=ar")
    ref = page.locator("bdi.reference").first
    assert ref.inner_text() == application.reference
    # one line: the reference is not broken into «REQ-1448-» / «000001»
    assert page.evaluate("el => el.getClientRects().length", ref.element_handle()) == 1
    # left to right inside the RTL page: "REQ" is drawn to the left of the last digit
    order = page.evaluate("""el => { const t = el.firstChild, r = document.createRange();
        r.setStart(t, 0); r.setEnd(t, 1); const first = r.getBoundingClientRect().left;
        r.setStart(t, t.length - 1); r.setEnd(t, t.length); return [first, r.getBoundingClientRect().left]; }""",
                          ref.element_handle())
    assert order[0] < order[1]
    _shot(page, "requests-list-ar")
    page.goto(f"{live_server}/admin/beneficiary/details/?id={application.beneficiary_id}&lang=ar")
    phone = page.locator("bdi.ltr-value", has_text="1234567").first
    text = phone.inner_text()
    assert text.startswith("+") and text.endswith("4567")
    plus_left, last_left = page.evaluate("""el => { const t = el.firstChild, r = document.createRange();
        r.setStart(t, 0); r.setEnd(t, 1); const a = r.getBoundingClientRect().left;
        r.setStart(t, t.length - 1); r.setEnd(t, t.length); return [a, r.getBoundingClientRect().left]; }""",
                                         phone.element_handle())
    assert plus_left < last_left  # «+966…», not «…966+»
    _shot(page, "beneficiary-details-ar")


def test_specialist_records_each_mechanism_from_a_clear_button(app, users, live_server, page):
    st = f.service_type(name="سلة غذائية", mechanisms=["field_visit", "personal_interview"])
    application = f.application(st=st, actor=users["officer"])
    sm.refer_to_specialist(application, users["officer"], users["specialist"], "زيارة ومقابلة",
                           mechanisms=["field_visit", "interview"])
    db.session.commit()
    for lang, title in (("en", "Record research"), ("ar", "تسجيل البحث")):
        _sign_in(page, live_server, users["specialist"].email, lang)
        home_item = page.locator("#role-links li", has=page.locator("a[href='/admin/referral/']"))
        assert "read only" not in home_item.inner_text() and "اطلاع فقط" not in home_item.inner_text()
        _shot(page, f"home-specialist-{lang}")
        page.goto(f"{live_server}/admin/referral/?lang={lang}")
        button = page.locator("a.record-research")
        assert button.is_visible() and button.inner_text().strip() == title
        _shot(page, f"referrals-{lang}")
    page.locator("a.record-research").click()
    assert "الزيارة الميدانية" in page.inner_text("#research-left") or "زيارة" in page.inner_text("#research-left")
    options = page.eval_on_selector_all("select#mechanism option", "els => els.map(e => e.value)")
    assert sorted(o for o in options if o) == ["field_visit", "interview"]
    page.select_option("select#mechanism", "interview")
    page.fill("textarea#findings", "قابلنا الأم في مقر الجمعية.")
    page.select_option("select#recommendation", "accept") if page.locator("select#recommendation").count() \
        else page.check("input[name=recommendation][value=accept]")
    page.click("#submit-research")
    page.wait_for_selector("#research-left")
    _shot(page, "research-one-left-ar")
    assert sm.RESEARCH_MECHANISMS["field_visit"] and "زيارة" in page.inner_text("#research-left")
    db.session.expire_all()
    assert db.session.get(type(application), application.id).status == "with_specialist"


# -- 1, 6, 7, 8: dates and times on the forms -----------------------------------------------------
def test_date_and_time_inputs_in_arabic_and_english(app, users, live_server, page):
    from workflow.reference import load_defaults

    load_defaults()
    db.session.commit()
    for lang in ("ar", "en"):
        _sign_in(page, live_server, users["admin"].email, lang)
        page.goto(f"{live_server}/admin/committeesession/new/?lang={lang}")
        held_on = page.locator("input[name=held_on]")
        assert held_on.get_attribute("type") == "date"  # the browser's own picker, not the English widget
        assert page.locator("input[name=held_on_hijri]").is_visible()
        assert page.locator(".daterangepicker").count() == 0 or not page.locator(".daterangepicker").is_visible()
        _shot(page, f"session-new-{lang}")
        page.goto(f"{live_server}/admin/communication/new/?lang={lang}")
        at = page.locator("input[name=at]")
        assert at.get_attribute("type") == "datetime-local"
        from models.types import utcnow
        from workflow.dates import to_local

        assert at.input_value()[:13] in {to_local(utcnow()).strftime("%Y-%m-%dT%H")}
        _shot(page, f"communication-new-{lang}")
    # A Hijri birth date typed on the beneficiary form, both calendars shown after saving.
    _sign_in(page, live_server, users["officer"].email, "ar")
    page.goto(f"{live_server}/admin/beneficiary/new/")
    for name in ("first_name", "father_name", "family_name", "phone", "national_id"):
        assert page.locator(f"input[name={name}]").get_attribute("required") is not None
        assert "*" in page.inner_text(f"label[for={name}]")
    page.fill("input[name=national_id]", "1058529940")
    page.fill("input[name=first_name]", "أحمد")
    page.fill("input[name=father_name]", "محمد")
    page.fill("input[name=family_name]", "الغامدي")
    page.eval_on_selector("select[name=gender]", "el => { el.value = 'male'; }")
    page.fill("input[name=phone]", "0551138821")
    page.fill("input[name=birth_date_hijri]", "1405-06-10")
    _shot(page, "beneficiary-new-hijri-ar")
    page.click("form.admin-form input[type=submit], form.admin-form button[type=submit]")
    page.wait_for_load_state()
    from models.beneficiary import Beneficiary
    from workflow.dates import hijri

    db.session.expire_all()
    person = db.session.scalar(db.select(Beneficiary))
    assert person is not None and hijri(person.birth_date) == "1405-06-10"
    page.goto(f"{live_server}/admin/beneficiary/details/?id={person.id}")
    body = page.inner_text("body")
    assert person.birth_date.isoformat() in body and "1405-06-10" in body
    _shot(page, "beneficiary-details-hijri-ar")
    assert person.birth_date < date.today()


# -- 2, 4, 9, 11, 12: the administrator's screens -----------------------------------------------
def test_admin_screens_in_arabic_and_english(app, users, live_server, page):
    from workflow.policy_templates import apply_template

    apply_template("food_preservation", include_organisation=True)
    db.session.commit()
    for lang in ("ar", "en"):
        _sign_in(page, live_server, users["admin"].email, lang)
        page.goto(f"{live_server}/admin/policy-templates/?preview=dawa&include_organisation=y&lang={lang}")
        row = page.locator("tr[data-field=licence_no]")
        assert "05057" in row.inner_text()
        _shot(page, f"policy-template-preview-{lang}")
        page.goto(f"{live_server}/admin/servicetype/new/?lang={lang}")
        cancel = page.locator("a.btn", has_text="إلغاء" if lang == "ar" else "Cancel")
        assert cancel.count() >= 1 and "إالغاء" not in page.content()
        page.click("#criteria-button, a.add-criteria, .inline-add-field") if page.locator(
            "#criteria-button").count() else page.locator("text=" + ("إضافة" if lang == "ar" else "Add")).last.click()
        page.wait_for_selector("select[name='criteria-0-field']")
        page.select_option("select[name='criteria-0-field']", "gender")
        values = page.locator("select.criterion-value-list")
        assert values.is_visible()
        labels = page.eval_on_selector_all("select.criterion-value-list option", "els => els.map(e => e.textContent)")
        assert ("ذكر" in labels and "أنثى" in labels) if lang == "ar" else ("Male" in labels and "Female" in labels)
        assert not page.locator("input[name='criteria-0-value']").is_visible()
        _shot(page, f"criteria-editor-{lang}")
        page.goto(f"{live_server}/admin/reports/?lang={lang}")
        assert page.inner_text("label[for=date_from]") == ("من تاريخ" if lang == "ar" else "From date")
        assert page.inner_text("label[for=date_to]") == ("إلى تاريخ" if lang == "ar" else "To date")
        _shot(page, f"reports-filters-{lang}")
        page.goto(f"{live_server}/admin/auditentry/?lang={lang}")
        changes = page.inner_text(".audit-changes >> nth=0")
        assert "licence_no" not in changes and "name_ar" not in changes
        _shot(page, f"audit-trail-{lang}")
