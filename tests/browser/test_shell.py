"""The panel's frame as a person sees it: Arabic right-to-left, English left-to-right."""
import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box, selector
    return box


def test_login_and_layout_in_arabic_then_english(live_server, page, users, tmp_path):
    sign_in(page, live_server, users["officer"].email, PASSWORD)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert "مرحبًا" in page.inner_text("#welcome")
    page.screenshot(path=str(tmp_path / "home-ar.png"), full_page=True)
    brand, logout = _box(page, "#brand"), _box(page, "#logout")
    width = page.viewport_size["width"]
    # In Arabic the brand sits on the right and sign-out on the left.
    assert brand["x"] > width / 2
    assert logout["x"] + logout["width"] < width / 2
    page.screenshot(path=str(tmp_path / "home-ar.png"), full_page=True)

    page.click("#lang-switch")
    page.wait_for_selector("html[dir=ltr]")
    assert page.get_attribute("html", "lang") == "en"
    assert "Welcome" in page.inner_text("#welcome")
    brand, logout = _box(page, "#brand"), _box(page, "#logout")
    assert brand["x"] < width / 2
    assert logout["x"] > width / 2
    page.screenshot(path=str(tmp_path / "home-en.png"), full_page=True)

    # The choice is remembered on the next page.
    page.goto(f"{live_server}/admin/")
    assert page.get_attribute("html", "dir") == "ltr"

    page.click("#logout")
    page.wait_for_selector("input[name=email]")
    assert page.url.endswith("/login")


def test_admin_user_list_is_right_to_left(live_server, page, users, tmp_path):
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    page.goto(f"{live_server}/admin/user/")
    table = page.locator("table.model-list")
    assert table.count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('table.model-list th')).textAlign") in ("right", "start")
    page.screenshot(path=str(tmp_path / "users-ar.png"), full_page=True)
