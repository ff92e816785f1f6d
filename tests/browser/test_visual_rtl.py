"""What a reader of the Arabic (RTL) panel notices: menus on screen, labels on the right,
no raw status codes, dates whole and with the Hijri date."""
from __future__ import annotations

import re

import pytest

from extensions import db
from tests import factories as f
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box, selector
    return box


def test_settings_menu_opens_inside_the_window_in_arabic(live_server, page, users):
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    assert page.get_attribute("html", "dir") == "rtl"
    page.click("a.dropdown-toggle:has-text('الإعدادات')")
    menu = page.locator(".dropdown-menu.show")
    menu.wait_for()
    box = menu.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # Menu entries read from the right like the rest of the page.
    item = _box(page, ".dropdown-menu.show a.dropdown-item")
    assert item["x"] + item["width"] > box["x"] + box["width"] - 20


def test_form_labels_sit_on_the_right_in_arabic_and_left_in_english(live_server, page, users):
    sign_in(page, live_server, users["officer"].email, PASSWORD)
    page.goto(f"{live_server}/admin/beneficiary/new/")
    label, field = _box(page, "label[for=first_name]"), _box(page, "input#first_name")
    # The label ends where the field ends (the right edge), not at the left edge of a wide form.
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 30
    submit = _box(page, ".submit-row input[type=submit]")
    assert submit["x"] > page.viewport_size["width"] / 2

    page.goto(f"{live_server}/admin/beneficiary/new/?lang=en")
    page.wait_for_selector("html[dir=ltr]")
    label, field = _box(page, "label[for=first_name]"), _box(page, "input#first_name")
    assert abs(label["x"] - field["x"]) < 30


def test_request_list_shows_words_and_hijri_dates_not_codes(live_server, page, users):
    beneficiary = f.beneficiary(first_name="سارة", family_name="الشمري")
    service = f.service_type(name="سلة غذائية شهرية")
    f.application(beneficiary, service)
    waiting = f.application(f.beneficiary(), service)
    f.force_status(waiting, "awaiting_committee")
    db.session.commit()

    sign_in(page, live_server, users["officer"].email, PASSWORD)
    page.goto(f"{live_server}/admin/application/")
    table = page.inner_text("table.model-list")
    for code in ("awaiting_committee", "received", "with_specialist", "True", "False", "+00:00"):
        assert code not in table
    assert "هـ" in table
    # Each Gregorian date is kept whole in its own left-to-right island.
    dates = page.locator("td.col-received_at bdi.date").all_inner_texts()
    assert dates and all(re.match(r"^\d{4}-\d{2}-\d{2}", d) for d in dates)


def test_dates_after_arabic_words_keep_their_order(live_server, page, users):
    """'الجلسة S-1 — 2026-11-22' used to show as '22-11-2026' (digits after Arabic letters)."""
    session = f.session([users["committee"]], number="S-77")
    db.session.commit()
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    page.goto(f"{live_server}/admin/committeesession/details/?id={session.id}")
    heading_date = page.locator("h2 bdi.date").first
    assert ISO_DATE.match(heading_date.inner_text())
    assert heading_date.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert "هـ" in page.inner_text("h2")


def test_audit_trail_speaks_words_not_iso_stamps(live_server, page, users):
    f.beneficiary()
    db.session.commit()
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    page.goto(f"{live_server}/admin/auditentry/?lang=en")
    table = page.inner_text("table.model-list")
    assert "+00:00" not in table and "None" not in table
    assert "Created" in table and "Signed in" in table
