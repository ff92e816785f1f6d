"""Issue 11 in the browser: enrolment of the second factor, a copied cookie after sign-out,
"sign out everywhere"."""
import pyotp
import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_csp_browser import Violations
from tests.conftest import PASSWORD
from workflow.users import create_user

pytestmark = pytest.mark.browser


def test_a_new_admin_enrols_at_first_sign_in(live_server, page, app, users, tmp_path):
    create_user("first-admin@example.org", "المدير الأول", "admin", PASSWORD)
    watch = Violations(page)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "first-admin@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#mfa-forced")
    assert page.url.endswith("/admin/account/mfa")
    # The QR code is drawn (a data: image the CSP allows).
    assert page.evaluate("document.querySelector('#mfa-qr').naturalWidth") > 100
    page.screenshot(path=str(tmp_path / "mfa-enrol.png"), full_page=True)
    page.goto(f"{live_server}/admin/user/")  # no admin screen before enrolling
    assert page.url.endswith("/admin/account/mfa")
    secret = page.inner_text("#mfa-secret").strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("#mfa-confirm")
    page.wait_for_selector("#recovery-codes")
    assert len(page.locator("#recovery-codes li").all()) == 10
    page.click("#mfa-done")
    page.wait_for_selector("#welcome")
    page.goto(f"{live_server}/admin/user/")
    assert page.url.endswith("/admin/user/")
    watch.collect()
    assert watch.found == []


def test_a_copied_cookie_opens_nothing_after_sign_out(live_server, page, browser, users):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", users["officer"].email)
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=remember]")
    page.click("button[type=submit]")
    page.wait_for_selector("#welcome")
    copied = page.context.cookies()
    assert {c["name"] for c in copied} >= {"session", "remember_token"}
    page.click("#logout")
    page.wait_for_selector("input[name=email]")
    thief = browser.new_context()
    try:
        thief.add_cookies(copied)
        other = thief.new_page()
        other.goto(f"{live_server}/admin/")
        assert "/login" in other.url
        assert other.locator("#welcome").count() == 0
    finally:
        thief.close()


def test_sign_out_everywhere(live_server, page, browser, users):
    laptop = browser.new_context()
    try:
        other = laptop.new_page()
        sign_in(other, live_server, users["viewer"].email, PASSWORD)
        sign_in(page, live_server, users["viewer"].email, PASSWORD)
        page.click("#current-user")
        page.wait_for_selector("#sign-out-everywhere")
        page.once("dialog", lambda d: d.accept())
        page.click("#sign-out-everywhere")
        page.wait_for_selector("input[name=email]")
        other.goto(f"{live_server}/admin/")
        assert "/login" in other.url
    finally:
        laptop.close()


def test_the_confirmation_can_be_declined(live_server, page, users):
    sign_in(page, live_server, users["viewer"].email, PASSWORD)
    page.goto(f"{live_server}/admin/account/")
    page.once("dialog", lambda d: d.dismiss())
    page.click("#sign-out-everywhere")
    page.goto(f"{live_server}/admin/")
    page.wait_for_selector("#welcome")
