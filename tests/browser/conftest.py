"""Browser tests: the app served on loopback, driven by headless Chromium (Playwright)."""
from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def live_server(app):
    """The test app on a free port of 127.0.0.1, for as long as the test runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in as a person would (signing out whoever is signed in on this page first), typing the
    authenticator's code when the account has one."""
    page.goto(f"{base_url}/login")
    if page.locator("#logout").count():
        page.click("#logout")
        page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#welcome, input[name=code]")
    if page.locator("input[name=code]").count():
        from extensions import db
        from models.user import User
        from tests.conftest import totp_code

        # Each sign-in as if in a new 30-second window (a code is accepted once: test_mfa.py).
        db.session.execute(db.update(User).where(User.email == email).values(totp_last_step=None))
        db.session.commit()
        page.fill("input[name=code]", totp_code())
        page.click("#code-submit")
        page.wait_for_selector("#welcome")
