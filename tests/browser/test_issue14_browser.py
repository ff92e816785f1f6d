"""Issue 14 through the browser, one journey per part: branch offices (an admin sets up a branch
and its representative; the representative's request is registered and lands at the branch),
a programme request from an organisation (the form shows the organisation's fields), and
outreach (an officer opens requests for the eligible beneficiaries)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from extensions import db
from models.application import Application
from models.beneficiary import HouseholdMember
from models.branch import Branch
from tests import factories as f
from tests.conftest import PASSWORD
from workflow.policy_templates import apply_template

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/issue14-shots"))

pytestmark = pytest.mark.browser


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, base, email):
    from tests.browser.conftest import sign_in

    sign_in(page, base, email, PASSWORD)


def _pick_beneficiary(page, text):
    page.click("#s2id_beneficiary, .select2-container")
    page.keyboard.type(text)
    page.wait_for_selector(".select2-result-label, .select2-results__option--highlighted, .select2-result")
    page.keyboard.press("Enter")


def _save(page):
    page.click("input[type=submit].btn-primary, button[type=submit].btn-primary")


def test_branch_office_and_its_representatives_request(app, users, live_server, page):
    base = live_server
    apply_template("food_preservation")  # policy 000: branch-office representatives
    person = f.beneficiary(first_name="نورة", family_name="الرويلي", gender="female")
    f.service_type(name="سلة غذائية شهرية")
    db.session.commit()

    # The admin sets up the branch office with its representative.
    _sign_in(page, base, users["admin"].email)
    page.goto(f"{base}/admin/branch/new/")
    page.fill("#name_ar", "فرع القريات")
    page.fill("#city", "القريات")
    page.fill("#phone", "0146420000")
    page.click("#representatives-button")
    page.fill("#representatives-0-full_name", "فهد الحازمي")
    page.fill("#representatives-0-phone", "0551239876")
    _shot(page, "01-branch-new")
    _save(page)
    page.wait_for_selector("text=فرع القريات")
    branch = db.session.query(Branch).one()
    assert [r.full_name for r in branch.representatives] == ["فهد الحازمي"]

    # The representative brings a request in; the officer registers it on the beneficiary's behalf.
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/application/new/")
    _pick_beneficiary(page, "الرويلي")
    page.select_option("select#service_type", label="سلة غذائية شهرية", force=True)
    page.select_option("select#representative", index=1, force=True)
    page.fill("textarea#description, input#description", "أحضر المندوب الطلب من القريات")
    _shot(page, "02-request-by-representative")
    _save(page)
    db.session.expire_all()
    created = db.session.query(Application).one()
    assert created.beneficiary_id == person.id and created.branch_id == branch.id
    assert created.representative.full_name == "فهد الحازمي" and created.channel.code == "branch_offices"
    page.goto(f"{base}/admin/application/details/?id={created.id}")
    assert "فرع القريات" in page.content() and "فهد الحازمي" in page.content()

    # The public policy page names the branch as a contact point.
    page.goto(f"{base}/policy")
    assert page.locator("#policy-branches").inner_text().count("فرع القريات") == 1
    _shot(page, "03-policy-branches")


def test_programme_request_from_an_organisation(app, users, live_server, page):
    base = live_server
    apply_template("dawa")  # policy 001: programme requests from the community
    f.service_type(name="برنامج دعوي للمدارس")
    db.session.commit()
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/application/new/")
    assert not page.locator("#applicant_name").is_visible()  # a person's request by default
    page.select_option("select#applicant_kind", "organisation", force=True)
    assert page.locator("#applicant_name").is_visible() and page.locator("#registration_no").is_visible()
    assert not page.locator("#s2id_beneficiary").is_visible()
    page.fill("#applicant_name", "إدارة التعليم بمحافظة القريات")
    page.fill("#contact_name", "ماجد العنزي")
    page.fill("#contact_phone", "0559876543")
    page.fill("#registration_no", "EDU-33")
    page.fill("#expected_beneficiaries", "450")
    page.select_option("select#service_type", label="برنامج دعوي للمدارس", force=True)
    page.fill("textarea#description, input#description", "برنامج توعوي لطلاب المرحلة المتوسطة")
    _shot(page, "04-organisation-request")
    _save(page)
    db.session.expire_all()
    created = db.session.query(Application).one()
    assert created.beneficiary_id is None and created.expected_beneficiaries == 450
    page.goto(f"{base}/admin/application/details/?id={created.id}")
    page.wait_for_selector("#checklist")
    checklist = page.locator("#checklist").inner_text()
    assert "مسؤول التواصل" in checklist and "رقم الهوية" not in checklist
    assert "إدارة التعليم بمحافظة القريات" in page.locator("#request-summary").inner_text()
    _shot(page, "05-organisation-request-details")


def test_officer_reaches_out_to_eligible_beneficiaries(app, users, live_server, page):
    base = live_server
    st = f.service_type(name="حقيبة مدرسية", criteria=[("children_count", "ge", "1")], cooldown=365)
    with_child = f.beneficiary(first_name="هند", family_name="السبيعي", gender="female")
    with_child.household.append(HouseholdMember(name="ريم", relation="daughter"))
    without = f.beneficiary(first_name="سالم", family_name="المطيري")
    db.session.commit()
    _sign_in(page, base, users["officer"].email)
    page.goto(f"{base}/admin/outreach/")
    page.click(f"a[href$='/admin/servicetype/{st.id}/eligible']")
    page.wait_for_selector("#eligible-table")
    page.wait_for_load_state("load")  # static/js/app.js (the select-all box) has run
    table = page.locator("#eligible-table").inner_text()
    assert "السبيعي" in table and "المطيري" not in table
    page.check("#eligible-all")
    assert page.locator(f"#row-{with_child.id}").is_checked()
    _shot(page, "06-outreach-list")
    page.click("#eligible-open")
    page.wait_for_selector("#eligible-none")
    assert "المبادرة بالوصول" in page.content()
    db.session.expire_all()
    opened = db.session.query(Application).one()
    assert opened.beneficiary_id == with_child.id and opened.channel.code == "outreach"
    assert without.id != opened.beneficiary_id
    _shot(page, "07-outreach-done")
