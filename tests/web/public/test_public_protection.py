"""Abuse protection on every public form: CSRF, honeypot, minimum fill time, rate limits,
X-Forwarded-For, idempotency, consent, and escaping wherever staff see the data."""
import time

import pytest

from app import create_app
from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary
from models.public import PublicSubmission
from models.volunteer import Volunteer
from tests.conftest import _config, csrf_token
from tests.web.public.conftest import OTHER_ID, form_defaults, post_form, request_data, volunteer_data
from workflow.public_forms import issue_token, read_token


@pytest.fixture
def survey_token(app, catalogue):
    from models.survey import SurveyQuestion
    from workflow.applications import receive_application
    from workflow.surveys import create_invitation

    db.session.add(SurveyQuestion(text_ar="ما مدى رضاك؟", text_en="How satisfied are you?"))
    beneficiary = Beneficiary(national_id=OTHER_ID, first_name="علي", family_name="الزهراني", gender="male",
                              phone="+966501234567")
    application = receive_application(beneficiary, catalogue["food"], catalogue["website"])
    db.session.flush()
    _, token = create_invitation(application)
    db.session.commit()
    return token


def _forms(catalogue, survey_token):
    return [
        ("/volunteer", volunteer_data()),
        ("/request", request_data(catalogue)),
        ("/status", {"reference": "REQ-1447-000001", "phone_last4": "8821"}),
        ("/feedback", {"kind": "suggestion", "message": "اقتراح بتمديد ساعات الاستقبال", "consent": "y"}),
        (f"/survey/{survey_token}", {"comment": "no rating given"}),  # re-rendered, link stays usable
    ]


def test_csrf_is_required_on_every_public_form(client, catalogue, survey_token):
    for url, data in _forms(catalogue, survey_token):
        html = client.get(url).get_data(as_text=True)
        payload = {**data}
        if "form_token" in html:
            payload.update({k: v for k, v in form_defaults(html).items() if k != "csrf_token"})
        response = client.post(url, data=payload)
        assert response.status_code == 400, url
        assert "انتهت صلاحية النموذج" in response.get_data(as_text=True), url
    assert db.session.scalar(db.select(Volunteer)) is None
    assert db.session.scalar(db.select(Application).where(Application.channel_id.is_not(None),
                                                          Application.beneficiary.has(national_id="1000000008"))) is None


@pytest.mark.parametrize("url", ["/volunteer", "/request"])
def test_honeypot_filled_creates_nothing(client, catalogue, url):
    data = volunteer_data() if url == "/volunteer" else request_data(catalogue)
    response = post_form(client, url + "?lang=en", {**data, "website_url": "http://spam.example"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "could not be accepted" in html
    assert 'value="محمد"' in html or 'value="سارة أحمد الشهري"' in html  # typed data kept
    assert db.session.scalar(db.select(PublicSubmission)) is None
    assert db.session.scalar(db.select(Volunteer)) is None


@pytest.mark.parametrize("url", ["/volunteer", "/request"])
def test_minimum_fill_time(client, app, catalogue, url):
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 3
    data = volunteer_data() if url == "/volunteer" else request_data(catalogue)
    html = client.get(url).get_data(as_text=True)
    response = post_form(client, url + "?lang=en", data, page_html=html)
    assert response.status_code == 400
    assert "very fast" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(PublicSubmission)) is None
    # The page gives the same token back, so a person who sends again a moment later succeeds.
    again = response.get_data(as_text=True)
    assert form_defaults(again)["form_token"] == form_defaults(html)["form_token"]
    kind = url.strip("/")
    _, nonce = read_token(kind, form_defaults(html)["form_token"])
    older = issue_token(kind, nonce=nonce, issued_at=time.time() - 10)
    response = client.post(url, data={**data, **form_defaults(html), "form_token": older})
    assert response.status_code == 303
    assert db.session.scalar(db.select(PublicSubmission)).kind == ("volunteer" if kind == "volunteer" else "request")


def test_expired_forged_or_missing_token_is_refused_and_replaced(client, app):
    html = client.get("/volunteer").get_data(as_text=True)
    defaults = form_defaults(html)
    expired = issue_token("volunteer", issued_at=time.time() - 3 * 86400)
    other_form = issue_token("request", issued_at=time.time() - 60)
    for token in (expired, other_form, "forged.token", ""):
        response = client.post("/volunteer?lang=en", data={**volunteer_data(), **defaults, "form_token": token})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "The form has expired" in page
        assert form_defaults(page)["form_token"] not in (token, "")
    assert db.session.scalar(db.select(Volunteer)) is None


def test_double_submission_creates_one_volunteer(client):
    html = client.get("/volunteer").get_data(as_text=True)
    first = post_form(client, "/volunteer", volunteer_data(), page_html=html)
    second = post_form(client, "/volunteer", volunteer_data(), page_html=html)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"].endswith("/volunteer/thanks")
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 1
    assert db.session.scalar(db.select(db.func.count(PublicSubmission.id))) == 1


def test_double_submission_creates_one_request(client, catalogue):
    html = client.get("/request").get_data(as_text=True)
    first = post_form(client, "/request", request_data(catalogue), page_html=html)
    reference_1 = client.get("/request/done").get_data(as_text=True)
    # Back, then send the same page again (even with another service chosen).
    second = post_form(client, "/request", request_data(catalogue, service_type=str(catalogue["rent"].id)),
                       page_html=html)
    reference_2 = client.get("/request/done").get_data(as_text=True)
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 1
    ref = db.session.scalar(db.select(Application.reference))
    assert ref in reference_1 and ref in reference_2
    # A fresh form is a new request (someone may need two services).
    post_form(client, "/request", request_data(catalogue, service_type=str(catalogue["rent"].id)))
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 2
    assert db.session.scalar(db.select(db.func.count(Beneficiary.id))) == 1


def test_unique_constraint_backs_the_token(app):
    from sqlalchemy.exc import IntegrityError

    db.session.add(PublicSubmission(token="a" * 20, kind="volunteer"))
    db.session.commit()
    db.session.add(PublicSubmission(token="a" * 20, kind="volunteer"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_rate_limit_on_every_post_with_translated_429(client, app, catalogue, survey_token):
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    for url, data in _forms(catalogue, survey_token):
        for _ in range(2):
            assert post_form(client, url, data).status_code != 429, url
        response = post_form(client, url, data)
        assert response.status_code == 429, url
        assert "محاولات كثيرة" in response.get_data(as_text=True)
        # Pages still open: only sending is limited.
        assert client.get(url).status_code in (200, 404)
    english = post_form(client, "/status?lang=en", {"reference": "x", "phone_last4": "1234"})
    assert english.status_code == 429 and "Too many attempts" in english.get_data(as_text=True)


def _proxy_app(database_url, tmp_path, proxies: int):
    config = {**_config(database_url, tmp_path / "uploads"), "TRUSTED_PROXIES": proxies,
              "PUBLIC_RATE_LIMIT": "1 per minute", "PUBLIC_MIN_FILL_SECONDS": 0}
    return create_app(config)


@pytest.mark.parametrize("proxies", [0, 1])
def test_x_forwarded_for_only_trusted_behind_configured_proxies(app, database_url, tmp_path, proxies):
    proxy_app = _proxy_app(database_url, tmp_path, proxies)
    with proxy_app.app_context():
        client = proxy_app.test_client()
        codes = []
        for n, forwarded in enumerate(("203.0.113.7", "198.51.100.9")):
            html = client.get("/volunteer").get_data(as_text=True)
            response = client.post("/volunteer", data={**form_defaults(html), **volunteer_data(
                national_id=["1000000008", OTHER_ID][n])}, headers={"X-Forwarded-For": forwarded},
                environ_base={"REMOTE_ADDR": "10.0.0.5"})
            codes.append(response.status_code)
        ips = [s.ip_address for s in db.session.scalars(db.select(PublicSubmission).order_by(PublicSubmission.id))]
        db.session.remove()
    if proxies:
        # Behind one trusted proxy each client is itself: two addresses, two allowances.
        assert codes == [303, 303]
        assert ips == ["203.0.113.7", "198.51.100.9"]
    else:
        # Without a trusted proxy the header is ignored: a spoofed header cannot dodge the limit.
        assert codes == [303, 429]
        assert ips == ["10.0.0.5"]


def test_consent_is_required_and_recorded(client, catalogue):
    response = post_form(client, "/request?lang=en", request_data(catalogue, consent=""))
    assert response.status_code == 400
    assert "Please read and accept the privacy notice." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Application)) is None
    assert post_form(client, "/request", request_data(catalogue)).status_code == 303
    submission = db.session.scalar(db.select(PublicSubmission))
    assert submission.consent_at is not None and submission.privacy_notice_version == "2026-1"
    assert "2026-1" in db.session.scalar(db.select(Application)).notes


EVIL_NAME = "<script>alert(1)</script>"
RLO = "\u202e"


def test_hostile_text_is_stored_clean_and_shown_inert_to_staff(client, catalogue, users, login_as):
    post_form(client, "/volunteer", volunteer_data(
        full_name=f"{RLO}سارة {EVIL_NAME} الشهري", city="=HYPERLINK(\"http://x\")",
        message="javascript:alert(document.cookie) <img src=x onerror=alert(1)>"))
    post_form(client, "/request", request_data(
        catalogue, first_name=f"{RLO}محمد", family_name="القحطاني<b>", signed_name=f"محمد القحطاني<b>",
        description=f"{EVIL_NAME} javascript:alert(1) {RLO}نص عربي مقلوب"))
    volunteer = db.session.scalar(db.select(Volunteer))
    assert RLO not in volunteer.full_name and volunteer.full_name.startswith("سارة")
    beneficiary = db.session.scalar(db.select(Beneficiary))
    application = db.session.scalar(db.select(Application))
    assert beneficiary.first_name == "محمد" and RLO not in application.description

    login_as("admin")
    pages = [
        client.get("/admin/volunteer/").get_data(as_text=True),
        client.get(f"/admin/volunteer/details/?id={volunteer.id}").get_data(as_text=True),
        client.get("/admin/auditentry/").get_data(as_text=True),
    ]
    for html in pages:
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        assert 'href="javascript:alert' not in html.lower() and "href='javascript:alert" not in html.lower()
        assert RLO not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
    export = client.get("/admin/volunteer/export/csv/").get_data(as_text=True)
    assert "'=HYPERLINK" in export and ",=HYPERLINK" not in export
