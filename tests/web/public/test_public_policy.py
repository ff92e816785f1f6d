"""/policy from live configuration, the five templates, the profile screen and the home page."""
from datetime import date

import pytest
from markupsafe import escape

from extensions import db
from models.organisation import OrganisationProfile
from models.reference import Channel, StaffTool
from tests.conftest import csrf_token
from workflow.dates import hijri
from workflow.policy_templates import apply_template, get_template, list_templates

KEYS = ["child_development", "dawa", "endowment", "food_preservation", "health_care"]


def test_five_templates():
    assert sorted(t["key"] for t in list_templates()) == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_policy_renders_for_each_template(client, app, key):
    apply_template(key, include_organisation=True)
    db.session.commit()
    t = get_template(key)
    ar = client.get("/policy?lang=ar")
    html = ar.get_data(as_text=True)
    assert ar.status_code == 200 and '<html lang="ar" dir="rtl">' in html
    assert t["organisation_example"]["name_ar"] in html
    assert t["general_goal_ar"] in html
    for channel in t["channels"]:
        assert channel["name_ar"] in html
    for tool in t["staff_tools"]:
        assert tool["name_ar"] in html
    days = t["decision_period_days"]
    assert ("خلال 7 أيام" if days == 7 else "خلال 14 يومًا") in html
    assert "{days}" not in html
    approval = t["board_approval"]
    if approval["date_gregorian"]:
        assert approval["date_gregorian"] in html
        assert hijri(date.fromisoformat(approval["date_gregorian"])) in html
    if approval["meeting_no"]:
        assert approval["meeting_no"] in html
    en = client.get("/policy?lang=en").get_data(as_text=True)
    assert str(escape(t["organisation_example"]["name_en"])) in en and str(escape(t["general_goal_en"])) in en
    assert f"within {days} days" in en
    for channel in t["channels"]:
        assert str(escape(channel["name_en"])) in en
    assert "@page { size: A4" in en
    assert "Administrative review of documents" in en and "Personal interview" in en
    assert ("Field visit" in en) == ("field_visit" in t["verification_mechanisms"])


def test_live_configuration_shows_up(client, app):
    apply_template("health_care")
    db.session.add(Channel(code="whatsapp", name_ar="واتساب الجمعية", name_en="WhatsApp", active=True, sort_order=99))
    db.session.get(StaffTool, db.session.scalar(db.select(StaffTool.id).where(StaffTool.code == "bylaws"))).active = False
    profile = db.session.get(OrganisationProfile, 1)
    profile.default_decision_period_days = 2
    db.session.commit()
    html = client.get("/policy").get_data(as_text=True)
    assert "واتساب الجمعية" in html
    assert "اللائحة الأساسية" not in html
    assert "خلال يومين" in html and "يومان" in html


def test_switching_templates_deactivates_channels_not_in_the_new_one(app):
    apply_template("endowment")
    apply_template("child_development")
    db.session.commit()
    active = set(db.session.scalars(db.select(Channel.code).where(Channel.active.is_(True))))
    assert active == {c["code"] for c in get_template("child_development")["channels"]}
    assert db.session.scalar(db.select(Channel).where(Channel.code == "branch_offices")) is not None  # kept


def test_empty_configuration_still_renders(client, app):
    response = client.get("/policy?lang=en")
    assert response.status_code == 200
    assert "The board approval has not been recorded yet." in response.get_data(as_text=True)


def test_admin_applies_a_template_from_the_panel(client, users, login_as):
    login_as("admin")
    page = client.get("/admin/policy-templates/?lang=en").get_data(as_text=True)
    assert "Grace Preservation" in page or "food" in page.lower()
    response = client.post("/admin/policy-templates/", data={"key": "health_care", "csrf_token": csrf_token(page)})
    assert response.status_code == 302 and "/admin/organisationprofile/edit/" in response.headers["Location"]
    profile = db.session.get(OrganisationProfile, 1)
    assert profile.template_key == "health_care" and profile.default_decision_period_days == 7
    response = client.post("/admin/policy-templates/", data={"key": "../../etc/passwd", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert db.session.get(OrganisationProfile, 1).template_key == "health_care"


@pytest.mark.parametrize("role", ["officer", "specialist", "committee", "viewer"])
def test_only_admins_choose_templates_or_edit_the_profile(client, users, login_as, role):
    login_as(role)
    assert client.get("/admin/policy-templates/").status_code == 403
    assert client.get("/admin/organisationprofile/").status_code == 403


def test_profile_screen_edits_texts_lists_and_board_approval(client, users, login_as):
    apply_template("endowment")
    db.session.commit()
    login_as("admin")
    response = client.get("/admin/organisationprofile/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "إبلاغ المستفيد بأن طلبه سيُرفع إلى لجنة البحث" in page  # steps shown one per line
    data = {
        "csrf_token": csrf_token(page), "name_ar": "جمعية التجربة \u202eالخيرية", "name_en": "Test Society",
        "licence_no": "1234", "phone": "0141234567", "email": "info@example.org", "website": "https://example.org",
        "address": "سكاكا", "default_decision_period_days": "10", "committee_name_ar": "لجنة البحث",
        "committee_name_en": "Research committee", "general_goal_ar": "هدف عام", "general_goal_en": "General goal",
        "detailed_goals_ar": "هدف أول\nهدف ثان", "detailed_goals_en": "First\nSecond",
        "handling_steps_ar": "استقبال\nالرد خلال {days} يومًا", "handling_steps_en": "Receive\nAnswer within {days} days",
        "mechanisms": ["administrative_review", "field_visit"], "verification_steps_ar": "خطوة",
        "verification_steps_en": "Step", "verification_purposes_ar": "غرض", "verification_purposes_en": "Purpose",
        "board_resolution_no": "17", "board_meeting_no": "161", "board_approval_date": "2025-09-15",
    }
    response = client.post("/admin/organisationprofile/edit/?id=1", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    profile = db.session.get(OrganisationProfile, 1)
    assert profile.name_ar == "جمعية التجربة الخيرية"  # RTL override removed
    assert profile.detailed_goals == [{"ar": "هدف أول", "en": "First"}, {"ar": "هدف ثان", "en": "Second"}]
    assert profile.verification_mechanisms == ["administrative_review", "field_visit"]
    assert profile.eligibility_verification["steps"] == [{"ar": "خطوة", "en": "Step"}]
    html = client.get("/policy").get_data(as_text=True)
    assert "الرد خلال 10 أيام" in html and "هدف ثان" in html
    assert "Field visit" in client.get("/policy?lang=en").get_data(as_text=True)
    assert "2025-09-15" in html and "1447-03-23" in html and "161" in html
    # A javascript: website is refused at the field.
    page = client.get("/admin/organisationprofile/edit/?id=1").get_data(as_text=True)
    response = client.post("/admin/organisationprofile/edit/?id=1",
                           data={**data, "csrf_token": csrf_token(page), "website": "javascript:alert(1)"})
    assert response.status_code == 200
    assert db.session.get(OrganisationProfile, 1).website == "https://example.org"


def test_home_page_shows_the_organisation(client, app):
    from workflow.policy_templates import get_profile

    profile = get_profile()
    profile.name_ar, profile.name_en, profile.licence_no = "جمعية حفظ النعمة بالجوف", "Grace Society", "05057"
    profile.phone, profile.email, profile.website = "0146240000", "info@example.org", "javascript:alert(1)"
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "جمعية حفظ النعمة بالجوف" in html and "05057" in html and "0146240000" in html
    for link in ("/volunteer", "/request", "/status", "/policy"):
        assert f'href="{link}"' in html
    assert 'href="javascript:alert' not in html
    assert "Grace Society" in client.get("/?lang=en").get_data(as_text=True)
    profile.website = "https://example.org"
    db.session.commit()
    assert 'href="https://example.org"' in client.get("/").get_data(as_text=True)


def test_logo_upload_is_checked_and_served(client, users, login_as):
    import io

    from tests.web.public.conftest import PNG

    login_as("admin")
    client.get("/admin/organisationprofile/")
    page = client.get("/admin/organisationprofile/edit/?id=1").get_data(as_text=True)
    base = {"csrf_token": csrf_token(page), "name_ar": "جمعية", "default_decision_period_days": "14",
            "committee_name_ar": "اللجنة", "board_approval_date": ""}
    response = client.post("/admin/organisationprofile/edit/?id=1&lang=en", data={
        **base, "logo_upload": (io.BytesIO(b"<svg onload=alert(1)></svg>"), "logo.png")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Only PDF, JPEG and PNG files are allowed." in response.get_data(as_text=True)
    assert client.get("/logo").status_code == 404
    response = client.post("/admin/organisationprofile/edit/?id=1", data={
        **base, "logo_upload": (io.BytesIO(PNG), "شعار.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert 'src="/logo"' in client.get("/").get_data(as_text=True)
    logo = client.get("/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG
