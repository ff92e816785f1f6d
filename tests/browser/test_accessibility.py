"""WCAG 2.1 A/AA, checked by axe-core (npm) on the public pages and the main admin screens.

Each test walks its pages, runs axe on each (empty and error states), and fails listing every
violation found: rule, impact, the page, the elements and axe's explanation. The script is
injected into a browser context that bypasses the Content-Security-Policy (an injected script
tag is inline; the policy is tested on its own elsewhere).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from extensions import db
from tests import factories as f
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci)")]


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                      html: n.html.slice(0, 160)}))}));
    }""", WCAG_TAGS)


class Audit:
    """Collects the violations of every page checked, so one run lists them all."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        self.checked: list[str] = []

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        self.checked.append(label)
        for v in axe_violations(self.page):
            nodes = "\n".join(f"      {n['target']}: {n['html']}\n        {(n['summary'] or '').replace(chr(10), ' / ')}"
                              for n in v["nodes"][:6])
            more = f"\n      … and {len(v['nodes']) - 6} more" if len(v["nodes"]) > 6 else ""
            self.found.append(f"[{label}] {v['id']} ({v['impact']}): {v['help']} — "
                              f"{len(v['nodes'])} element(s) at {self.page.url}\n{nodes}{more}")

    def goto(self, url: str, label: str | None = None) -> None:
        self.page.goto(url)
        self.check(label or url)

    def submit_without_browser_checks(self, form_selector: str, label: str) -> None:
        """Post a form as it is, past the browser's own required-field checks, to see the server's errors."""
        with self.page.expect_navigation():
            self.page.locator(form_selector).first.evaluate("f => { f.noValidate = true; f.requestSubmit(); }")
        self.check(label)

    def assert_clean(self) -> None:
        assert self.checked
        assert not self.found, (f"{len(self.found)} WCAG 2.1 A/AA violation(s) on {len(self.checked)} pages:\n"
                                + "\n".join(self.found))


@pytest.fixture
def axe_page(browser):
    contexts = []

    def open_page(viewport=DESKTOP, locale="ar-SA", phone=False):
        context = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True,
                                      is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def public_setup(app, users):
    from models.application import Status
    from models.beneficiary import Communication, DeclarationText
    from models.reference import DocumentType
    from models.survey import SurveyQuestion
    from models.volunteer import VolunteerField
    from workflow.applications import record_transition
    from workflow.policy_templates import apply_template

    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    apply_template("food_preservation", include_organisation=True)
    db.session.add_all([
        DocumentType(code="id_copy", name_ar="صورة الهوية", name_en="ID copy"),
        DeclarationText(version=1, text_ar="أقر بأن جميع البيانات التي قدمتها صحيحة.", text_en="I declare the data is correct."),
        VolunteerField(kind="skill", name_ar="التصميم", name_en="Design", sort_order=1),
        VolunteerField(kind="interest", name_ar="حفظ النعمة", name_en="Food preservation", sort_order=2),
        SurveyQuestion(text_ar="ما مدى رضاك عن سرعة الخدمة؟", text_en="Speed of service", sort_order=1),
    ])
    service = f.service_type(name="سلة غذائية")
    service.name_en = "Food basket"
    application = f.application(f.beneficiary(phone="+966551138821"), service)
    db.session.commit()
    record_transition(application, "deliver", Status.SERVED, actor=users["officer"])
    db.session.commit()
    # The request's messages (received, service delivered, survey): the survey one carries the link.
    summaries = db.session.scalars(db.select(Communication.summary).where(
        Communication.application_id == application.id))
    link = next(m.group(0) for m in (re.search(r"/survey/[A-Za-z0-9_-]+", s or "") for s in summaries) if m)
    return {"survey": link,
            "reference": application.reference}


def _public_walk(audit: Audit, base: str, lang: str, data: dict) -> None:
    audit.goto(f"{base}/?lang={lang}", "home")
    audit.goto(f"{base}/volunteer", "volunteer")
    audit.submit_without_browser_checks("#volunteer-form", "volunteer: errors")
    audit.goto(f"{base}/request", "request")
    audit.submit_without_browser_checks("#request-form", "request: errors")
    audit.goto(f"{base}/status", "status")
    audit.submit_without_browser_checks("#status-form", "status: errors")
    audit.page.fill("#reference", data["reference"])
    audit.page.fill("#phone_last4", "0000")
    audit.submit_without_browser_checks("#status-form", "status: not found")
    audit.page.fill("#phone_last4", "8821")
    audit.submit_without_browser_checks("#status-form", "status: found")
    audit.goto(base + data["survey"], "survey")
    audit.submit_without_browser_checks("#survey-form", "survey: errors")
    audit.goto(f"{base}/survey/not-a-valid-link", "survey: invalid link")
    audit.goto(f"{base}/policy", "policy")
    audit.page.emulate_media(media="print")
    audit.check("policy: print")
    audit.page.emulate_media(media="screen")
    audit.goto(f"{base}/privacy", "privacy")
    audit.goto(f"{base}/login", "login")
    audit.page.fill("input[name=email]", "nobody@example.org")
    audit.page.fill("input[name=password]", "wrong password")
    audit.submit_without_browser_checks("form", "login: wrong password")
    audit.goto(f"{base}/no-such-page", "404")


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_public_pages_have_no_wcag_violations(live_server, axe_page, public_setup, lang, viewport):
    page = axe_page(PHONE if viewport == "phone" else DESKTOP, phone=viewport == "phone")
    audit = Audit(page)
    _public_walk(audit, live_server, lang, public_setup)
    audit.assert_clean()


@pytest.fixture
def admin_setup(app, users):
    from workflow.state_machine import decide, refer_to_specialist

    db.session.add_all([])
    b = f.beneficiary(first_name="سارة", family_name="الشمري")
    f.document(b, f.document_type())
    service = f.service_type(name="سلة غذائية")
    received = f.application(b, service)
    decided = f.application(f.beneficiary(), service)
    waiting = f.application(f.beneficiary(), service)
    referred = f.application(f.beneficiary(), service)
    for a in (decided, waiting):
        f.force_status(a, "awaiting_committee")
    committee = users["committee"]
    session = f.session([committee], present=[committee], quorum=1, agenda=[decided, waiting])
    decision = decide(decided, committee, session, "accept", granted="سلة غذائية لثلاثة أشهر")
    refer_to_specialist(referred, users["officer"], users["specialist"], "زيارة ميدانية للتحقق من السكن")
    db.session.commit()
    return {"beneficiary": b.id, "application": received.id, "session": session.id, "decision": decision.id,
            "referred": referred.id}


def _sign_in(page, base, email, lang):
    from tests.browser.conftest import sign_in

    page.goto(f"{base}/login?lang={lang}")  # the language is remembered for the pages after it
    sign_in(page, base, email, PASSWORD)  # the shared one answers the admin's second factor


def _admin_walk(audit: Audit, base: str, data: dict) -> None:
    audit.check("admin home")
    for path in ("/admin/beneficiary/", "/admin/application/", "/admin/committeesession/", "/admin/user/",
                 "/admin/auditentry/", "/admin/volunteer/", "/admin/servicetype/", "/admin/document/"):
        audit.goto(base + path)
    audit.goto(f"{base}/admin/beneficiary/new/")
    audit.submit_without_browser_checks("form.admin-form", "new beneficiary: errors")
    audit.goto(f"{base}/admin/beneficiary/details/?id={data['beneficiary']}")
    audit.goto(f"{base}/admin/beneficiary/edit/?id={data['beneficiary']}")
    audit.goto(f"{base}/admin/application/new/")
    audit.submit_without_browser_checks("form.admin-form", "new request: errors")
    audit.goto(f"{base}/admin/application/details/?id={data['application']}")
    audit.goto(f"{base}/admin/application/transition/refer_to_specialist/?ids={data['application']}")
    audit.submit_without_browser_checks("#action-form", "refer: errors")
    audit.goto(f"{base}/admin/committeesession/details/?id={data['session']}")
    audit.goto(f"{base}/admin/committeesession/new/")
    audit.submit_without_browser_checks("form.admin-form", "new session: errors")
    audit.goto(f"{base}/admin/reports/")
    audit.page.emulate_media(media="print")
    audit.check("reports: print")
    audit.goto(f"{base}/admin/application/details/?id={data['application']}", "request details: print")
    audit.page.emulate_media(media="screen")
    audit.goto(f"{base}/admin/privacy-export/")
    audit.submit_without_browser_checks("#export-search", "privacy export: errors")
    audit.goto(f"{base}/admin/survey-results/")
    audit.goto(f"{base}/admin/organisationprofile/")
    # Print views.
    audit.goto(f"{base}/admin/committeesession/minutes/?id={data['session']}", "minutes (print)")
    audit.goto(f"{base}/admin/application/letter/?id={data['decision']}", "decision letter (print)")
    audit.goto(f"{base}/admin/beneficiary/{data['beneficiary']}/declaration.print", "declaration (print)")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_admin_screens_have_no_wcag_violations(live_server, axe_page, users, admin_setup, lang):
    page = axe_page(locale="ar-SA" if lang == "ar" else "en-GB")
    _sign_in(page, live_server, users["admin"].email, lang)
    audit = Audit(page)
    _admin_walk(audit, live_server, admin_setup)
    audit.assert_clean()


def test_other_roles_screens_have_no_wcag_violations(live_server, axe_page, users, admin_setup):
    base, data = live_server, admin_setup
    page = axe_page()
    audit = Audit(page)
    # A failed sign-in first: the errors belong to the fields.
    page.goto(f"{base}/login")
    page.fill("input[name=email]", users["officer"].email)
    page.fill("input[name=password]", "not the password")
    audit.submit_without_browser_checks("form", "login: wrong password")

    _sign_in(page, base, users["officer"].email, "ar")
    audit.check("officer home")
    audit.goto(f"{base}/admin/beneficiary/new/")
    audit.submit_without_browser_checks("form.admin-form", "officer: new beneficiary errors")
    audit.goto(f"{base}/admin/communication/new/?beneficiary_id={data['beneficiary']}")
    audit.submit_without_browser_checks("form.admin-form", "officer: new communication errors")
    audit.goto(f"{base}/admin/dashboard/list/my_open", "officer: dashboard list")
    page.click("#logout")

    _sign_in(page, base, users["specialist"].email, "ar")
    audit.check("specialist home")
    audit.goto(f"{base}/admin/referral/")
    audit.goto(f"{base}/admin/referral/research/?id={data['referred']}")
    audit.submit_without_browser_checks("#research-form", "specialist: research errors")
    page.click("#logout")

    _sign_in(page, base, users["committee"].email, "ar")
    audit.check("committee home")
    audit.goto(f"{base}/admin/committeesession/details/?id={data['session']}", "committee: session with decision form")
    audit.submit_without_browser_checks(".decision-form", "committee: decision errors")
    page.click("#logout")

    _sign_in(page, base, users["viewer"].email, "ar")
    audit.check("viewer home")
    audit.goto(f"{base}/admin/beneficiary/")
    audit.goto(f"{base}/admin/beneficiary/details/?id={data['beneficiary']}")
    audit.goto(f"{base}/admin/reports/")
    audit.assert_clean()
