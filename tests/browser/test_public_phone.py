"""A phone-sized walk through the public pages in Arabic: volunteer, request with a document,
status, survey. Screenshots go to test-artifacts/public/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from extensions import db

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "public"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\x0bIDATx\x9cc\xf8\x0f\x04\x00\t\xfb\x03\xfd\xfb^k+\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def configured(app, users):
    from models.beneficiary import DeclarationText
    from models.reference import DocumentType
    from models.service import ServiceType
    from models.survey import SurveyQuestion
    from models.volunteer import VolunteerField
    from workflow.policy_templates import apply_template

    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    apply_template("food_preservation", include_organisation=True)
    db.session.add_all([
        ServiceType(name_ar="سلة غذائية", name_en="Food basket", active=True, decision_period_days=14),
        DocumentType(code="id_copy", name_ar="صورة الهوية", name_en="ID copy"),
        DeclarationText(version=1, text_ar="أقر بأن جميع البيانات التي قدمتها صحيحة وأنني مسؤول عنها مسؤولية مباشرة.",
                        text_en="I declare that all the data I gave is correct and that I am directly responsible for it."),
        VolunteerField(kind="skill", name_ar="التصميم", name_en="Design", sort_order=1),
        VolunteerField(kind="skill", name_ar="التوزيع الميداني", name_en="Field distribution", sort_order=2),
        VolunteerField(kind="interest", name_ar="حفظ النعمة", name_en="Food preservation", sort_order=3),
        SurveyQuestion(text_ar="ما مدى رضاك عن سرعة الخدمة؟", text_en="Speed of service", sort_order=1),
        SurveyQuestion(text_ar="ما مدى رضاك عن تعامل الموظف؟", text_en="Staff courtesy", sort_order=2),
    ])
    db.session.commit()
    return users


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_phone_walkthrough(app, live_server, browser, configured, tmp_path):
    from models.application import Application, Status
    from models.beneficiary import Communication
    from models.survey import SurveyResponse
    from models.volunteer import Volunteer
    from workflow.applications import record_transition

    document = tmp_path / "هوية.png"
    document.write_bytes(PNG)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                                  is_mobile=True, has_touch=True, locale="ar-SA")
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert "جمعية حفظ النعمة بالجوف" in page.content()
        _shot(page, "01-home")
        # Nothing runs off the side of a phone screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # 1. Volunteer registration.
        page.click("a[href='/volunteer']")
        page.fill("#full_name", "سارة أحمد الشهري")
        page.fill("#national_id", "1000000008")
        page.fill("#phone", "0551138821")
        page.fill("#email", "sara@example.org")
        page.click("label[for='gender-1']")
        page.fill("#birth_date", "1995-01-01")
        page.fill("#city", "سكاكا")
        page.click("#volunteer-form label:has-text('التصميم')")
        page.click("#volunteer-form label:has-text('حفظ النعمة')")
        page.click("label[for='availability_days-0']")
        page.click("label[for='availability_hours-2']")
        page.click("label[for='consent']")
        assert page.is_visible("#privacy-notice")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "02-volunteer-form")
        page.click("#volunteer-form button[type=submit]")
        page.wait_for_selector("#volunteer-result")
        _shot(page, "03-volunteer-done")
        assert db.session.scalar(db.select(Volunteer)).full_name == "سارة أحمد الشهري"

        # 2. Online request with a document.
        page.goto(live_server + "/request")
        page.fill("#national_id", "1000000016")
        page.fill("#first_name", "محمد")
        page.fill("#father_name", "عبدالله")
        page.fill("#grandfather_name", "سعد")
        page.fill("#family_name", "القحطاني")
        page.click("label[for='gender-0']")
        page.fill("#phone", "0551138821")
        page.fill("#city", "سكاكا")
        page.select_option("#service_type", label="سلة غذائية")
        page.fill("#description", "أسرة من خمسة أفراد تحتاج سلة غذائية شهرية.")
        page.select_option("#documents-0-document_type", label="صورة الهوية")
        page.set_input_files("#documents-0-file", str(document))
        page.click("label[for='declaration']")
        page.fill("#signed_name", "محمد عبدالله سعد القحطاني")
        page.click("label[for='consent']")
        _shot(page, "04-request-form")
        page.click("#request-form button[type=submit]")
        page.wait_for_selector("#request-result")
        reference = page.inner_text("#reference").strip()
        assert re.fullmatch(r"REQ-\d{4}-\d{6}", reference)
        assert "14 يومًا" in page.inner_text("#decision-period")
        assert "هـ" in page.inner_text("#decision-due")
        _shot(page, "05-request-done")
        db.session.expire_all()
        application = db.session.scalar(db.select(Application).where(Application.reference == reference))
        assert application.channel.code == "website"
        assert application.beneficiary.documents[0].file.original_name == "هوية.png"

        # 3. Status.
        page.click("a[href='/status']")
        page.fill("#reference", reference)
        page.fill("#phone_last4", "8821")
        page.click("#status-form button[type=submit]")
        page.wait_for_selector("#status-result")
        _shot(page, "06-status")
        assert reference in page.inner_text("#status-result")

        # 4. The request is served: the survey link is created and sent.
        record_transition(application, "deliver", Status.SERVED, actor=configured["officer"])
        db.session.commit()
        message = db.session.scalar(db.select(Communication).where(Communication.application_id == application.id,
                                                                   Communication.summary.contains("/survey/")))
        path = re.search(r"/survey/[A-Za-z0-9_-]+", message.summary).group(0)
        page.goto(live_server + path)
        labels = page.locator(".survey-question")
        assert labels.count() == 2
        page.click(".survey-question >> nth=0 >> label.rating-label >> nth=4")
        page.click(".survey-question >> nth=1 >> label.rating-label >> nth=3")
        page.fill("#comment", "خدمة ممتازة، شكرًا لكم")
        _shot(page, "07-survey")
        page.click("#survey-form button[type=submit]")
        page.wait_for_selector("#survey-thanks")
        _shot(page, "08-survey-thanks")
        db.session.expire_all()
        response = db.session.scalar(db.select(SurveyResponse))
        assert sorted(a.rating for a in response.answers) == [4, 5]

        # The published policy, as printed.
        page.goto(live_server + "/policy")
        _shot(page, "09-policy")
        page.emulate_media(media="print")
        _shot(page, "10-policy-print")
    finally:
        context.close()
