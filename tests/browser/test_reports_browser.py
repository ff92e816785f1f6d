"""The dashboard and the reports as a person sees them, in Arabic (right to left)."""
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.report_fixtures import channel, decide, person, refer, request, service

pytestmark = pytest.mark.browser


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def activity(app, users):
    now = datetime.now(timezone.utc)
    channels = [channel("web", "الموقع الإلكتروني"), channel("phone", "الاتصالات الهاتفية"),
                channel("visit", "المقابلة")]
    services = [service("سلة غذائية"), service("مساعدة إيجار"), service("كفالة يتيم")]
    regions = ["الجوف", "الرياض", "حائل"]
    for i in range(36):
        b = person(region=regions[i % 3])
        received = now - timedelta(days=8 * i + 1)
        app_ = request(b, services[i % 3], channels[(i // 2) % 3], received, actor=users["officer"])
        if i % 4 == 1:
            decide(app_, "accept", received + timedelta(days=5 + i % 9))
        elif i % 4 == 2:
            decide(app_, "reject", received + timedelta(days=7 + i % 11),
                   ["الدخل أعلى من الحد", "مستندات ناقصة"][i % 2])
        elif i % 6 == 3:
            refer(app_, users["specialist"], received + timedelta(days=1))
    db.session.commit()


def test_dashboard_and_report_in_arabic(live_server, page, users, activity, tmp_path):
    shots = _shots(tmp_path)
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("#dash-board").is_visible()
    assert page.locator("#dash-privacy").is_visible()
    page.screenshot(path=str(shots / "dashboard-admin-ar.png"), full_page=True)
    page.locator("#dash-board").screenshot(path=str(shots / "dashboard-board-ar.png"))

    # A number leads to its list.
    page.click("#dash-open")
    page.wait_for_selector("#dashboard-list")
    assert page.inner_text("#list-total").strip() != "0"

    page.goto(f"{live_server}/admin/reports/")
    page.wait_for_selector("#section-requests svg")
    assert page.get_attribute("html", "dir") == "rtl"
    # Right to left: the first month's column label sits to the right of the last one.
    xs = page.evaluate("""() => Array.from(document.querySelectorAll('#section-requests svg')[0]
        .querySelectorAll('text[direction=ltr]')).map(t => t.getBoundingClientRect().x)""")
    assert len(xs) >= 12 and xs[0] > xs[-1]
    assert int(page.inner_text("#requests-total")) > 0
    page.screenshot(path=str(shots / "reports-ar.png"), full_page=True)
    page.locator("#section-requests").screenshot(path=str(shots / "reports-requests-ar.png"))
    page.locator("#section-outcomes").screenshot(path=str(shots / "reports-outcomes-ar.png"))
    page.locator("#section-decisions").screenshot(path=str(shots / "reports-decisions-ar.png"))

    # Printing hides the filter and buttons but keeps the charts.
    page.emulate_media(media="print")
    assert not page.locator("#report-filter").is_visible()
    assert page.locator("#section-requests svg").first.is_visible()
    page.emulate_media(media="screen")


def test_officer_dashboard_in_arabic(live_server, page, users, activity, tmp_path):
    sign_in(page, live_server, users["officer"].email, PASSWORD)
    assert page.locator("#dash-officer").is_visible()
    assert page.locator("#dash-board").count() == 0
    page.screenshot(path=str(_shots(tmp_path) / "dashboard-officer-ar.png"), full_page=True)
