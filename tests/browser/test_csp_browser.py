"""Finding 2 of issue 11: the Content-Security-Policy runs no injected script, and every screen
still works under it. A walk of every screen (admin and public, lists, forms with Select2 and
date pickers, filters, bulk actions, reports charts, print pages) collects the browser's CSP
violations (securitypolicyviolation events and console messages): there must be none."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.registry_helpers import png_bytes
from tests.report_fixtures import channel, committee_session, decide, household, person, refer, request, service

pytestmark = pytest.mark.browser

LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


# A bulk action in the "With selected" menu.
ACTION_ITEM = "a.dropdown-item[data-action]"


class Violations:
    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.add_init_script(LISTENER)
        page.on("console", lambda m: "Content Security Policy" in m.text and self.found.append(f"{page.url}: {m.text}"))
        page.on("dialog", lambda d: d.dismiss())

    def collect(self):
        try:
            events = self.page.evaluate("window.__csp || []")
        except Exception:  # a page that is navigating away; its events were collected before
            events = []
        self.found += [f"{self.page.url}: {e}" for e in events]

    def visit(self, url: str):
        response = self.page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
        self.page.wait_for_load_state("load")
        self.collect()


@pytest.fixture
def records(app, users):
    from workflow.storage import save_bytes
    from tests.factories import document, document_type

    now = datetime.now(timezone.utc)
    ch, st = channel("web", "الموقع"), service("سلة غذائية")
    b = person()
    household(b)
    first = request(b, st, ch, now - timedelta(days=3), actor=users["officer"])
    second = request(person(), st, ch, now - timedelta(days=9), actor=users["officer"])
    refer(second, users["specialist"], now - timedelta(days=8), now - timedelta(days=6))
    decide(first, "accept", now - timedelta(days=1))
    committee_session()
    doc = document(b, document_type())
    doc.file_id = save_bytes(png_bytes(), "id.png").id
    db.session.commit()
    return {"beneficiary": b}


def _admin_screens(app):
    admin = app.extensions["admin"][0]
    from admin_views.base import SecureModelView

    from workflow.roles import Role

    screens = []
    for view in admin._views:
        if Role.ADMIN not in getattr(view, "roles_read", {Role.ADMIN}):
            continue  # "My referrals" is the specialist's: test_the_specialists_screens_too
        if isinstance(view, SecureModelView):
            screens.append((view, f"/admin/{view.endpoint}/"))
        elif view.endpoint == "dashboard":  # its lists, no index page
            screens.append((view, "/admin/dashboard/list/overdue"))
        elif view.endpoint not in ("storedfile", "account"):
            screens.append((view, view.url.rstrip("/") + "/"))
    return screens


def test_every_screen_runs_under_the_csp_without_a_violation(live_server, page, app, users, records):
    watch = Violations(page)
    for url in ("/", "/privacy", "/policy", "/volunteer", "/request", "/status", "/login"):
        watch.visit(live_server + url)
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    watch.collect()
    visited = 0
    for view, url in _admin_screens(app):
        watch.visit(live_server + url)
        visited += 1
        if page.locator("a.filter").count():  # the filters menu adds a filter row (bs4_filters.js)
            page.locator("a.dropdown-toggle:has(+ .field-filters)").first.click()
            page.locator("a.filter").first.click()
            watch.collect()
        if page.locator("#action_form").count() and page.locator("input.action-checkbox").count():
            page.locator(f"a.dropdown-toggle:has(+ .dropdown-menu {ACTION_ITEM})").first.click()
            page.locator(ACTION_ITEM).first.click()  # nothing selected: an alert
            watch.collect()
        rows = page.locator("table.model-list a.icon[href*='details']")
        if rows.count():
            watch.visit(live_server + rows.first.get_attribute("href"))
            visited += 1
        edit = page.locator("a[href*='/edit/']")
        if hasattr(view, "can_edit") and view.can_edit and edit.count():
            watch.visit(live_server + edit.first.get_attribute("href"))
            visited += 1
        if hasattr(view, "can_create") and view.can_create:
            watch.visit(f"{live_server}/admin/{view.endpoint}/new/")
            visited += 1
            for box in page.locator(".select2-container").all()[:2]:  # Select2 (and its ajax look-ups)
                if box.is_visible():
                    box.click()
                    page.keyboard.press("Escape")
            for field in page.locator("input[data-role=datepicker], input[data-role=datetimepicker]").all()[:1]:
                if field.is_visible():
                    field.click()
            inline = page.locator("a[id$='-button'].btn")  # inline rows (household members)
            if inline.count():
                inline.first.click()
            watch.collect()
    b = records["beneficiary"]
    from models.committee import CommitteeSession, Decision

    letter = db.session.scalar(db.select(Decision.id).limit(1))
    minutes = db.session.scalar(db.select(CommitteeSession.id).limit(1))
    for url in (f"/admin/beneficiary/{b.id}/declaration.print", f"/admin/application/letter/?id={letter}",
                f"/admin/committeesession/minutes/?id={minutes}", "/admin/account/", "/admin/account/mfa"):
        watch.visit(live_server + url)
        visited += 1
    page.goto(f"{live_server}/admin/reports/")
    page.wait_for_selector("svg.report-chart")
    watch.collect()
    assert visited >= 40
    assert watch.found == [], "\n".join(sorted(set(watch.found)))


def test_an_injected_inline_script_does_not_run(live_server, page, app):
    """An attacker's <script> or onerror= in a page (say, stored in a beneficiary's name) is refused."""
    watch = Violations(page)
    page.goto(live_server + "/login")
    page.evaluate("""() => {
        const s = document.createElement('div');
        s.innerHTML = '<img src=x onerror="window.__pwned = 1">';
        document.body.appendChild(s);
        const t = document.createElement('script');
        t.textContent = 'window.__pwned = 2';
        document.body.appendChild(t);
    }""")
    page.wait_for_function("window.__csp.length >= 2")
    assert page.evaluate("window.__pwned === undefined")
    watch.collect()
    assert any("script-src" in v for v in watch.found)


def test_the_specialists_screens_too(live_server, page, app, users, records):
    watch = Violations(page)
    sign_in(page, live_server, users["specialist"].email, PASSWORD)
    watch.visit(live_server + "/admin/referral/")
    watch.visit(live_server + "/admin/dashboard/list/my_referrals")
    assert watch.found == [], "\n".join(sorted(set(watch.found)))
