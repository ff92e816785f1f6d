"""/feedback: suggestions, complaints and praise, with the public forms' protections and the
optional link to a request (reference + last four digits of the mobile, as on /status)."""
import time

import pytest

from extensions import db
from models.feedback import Feedback
from models.public import PublicSubmission
from tests.web.public.conftest import form_defaults, post_form
from workflow.public_forms import issue_token, read_token


def feedback_data(**overrides) -> dict:
    data = {"kind": "complaint", "message": "انتظرت طويلًا دون رد على اتصالي", "name": "أم خالد",
            "phone": "0551138821", "email": "", "reference": "", "phone_last4": "", "consent": "y"}
    data.update(overrides)
    return data


@pytest.fixture
def served_request(app, catalogue):
    from models.beneficiary import Beneficiary
    from workflow.applications import receive_application

    beneficiary = Beneficiary(national_id="1000000016", first_name="علي", family_name="الزهراني", gender="male",
                              phone="+966501234567")
    application = receive_application(beneficiary, catalogue["food"], catalogue["website"])
    db.session.commit()
    return application


def test_page_is_linked_from_the_public_pages(client):
    assert 'href="/feedback"' in client.get("/").get_data(as_text=True)
    assert 'href="/feedback"' in client.get("/policy").get_data(as_text=True)
    page = client.get("/feedback")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="form_token"' in html and 'name="website_url"' in html and 'name="csrf_token"' in html


def test_a_complaint_is_recorded_with_its_working_day_deadline(client):
    response = post_form(client, "/feedback", feedback_data())
    assert response.status_code == 303 and response.headers["Location"].endswith("/feedback/thanks")
    item = db.session.scalar(db.select(Feedback))
    assert item.kind == "complaint" and item.phone == "+966551138821" and item.application_id is None
    assert item.respond_by.weekday() not in (4, 5)  # never due on a Friday or a Saturday
    thanks = client.get("/feedback/thanks?lang=en").get_data(as_text=True)
    assert f">{item.id}<" in thanks and "5 working days" in thanks
    submission = db.session.scalar(db.select(PublicSubmission))
    assert submission.kind == "feedback" and submission.record_id == item.id and submission.consent_at


def test_linked_to_a_request_with_the_right_digits(client, served_request):
    response = post_form(client, "/feedback", feedback_data(reference=served_request.reference.lower(),
                                                            phone_last4="٤٥٦٧"))  # Arabic digits too
    assert response.status_code == 303
    item = db.session.scalar(db.select(Feedback))
    assert item.application_id == served_request.id and item.beneficiary_id == served_request.beneficiary_id


def test_wrong_digits_keep_what_was_typed_and_record_nothing(client, served_request):
    response = post_form(client, "/feedback?lang=en", feedback_data(reference=served_request.reference,
                                                                   phone_last4="1111"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "We found no request with this reference number" in html
    assert "انتظرت طويلًا دون رد على اتصالي" in html and served_request.reference in html
    assert db.session.scalar(db.select(Feedback)) is None
    missing = post_form(client, "/feedback?lang=en", feedback_data(reference=served_request.reference))
    assert missing.status_code == 400 and "Enter the last 4 digits" in missing.get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("kind", "", "This field is required."),
    ("message", "", "This field is required."),
    ("phone", "12345", None),
    ("consent", "", "Please read and accept the privacy notice."),
])
def test_bad_input_is_told_at_the_field(client, field, value, message):
    response = post_form(client, "/feedback?lang=en", feedback_data(**{field: value}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="invalid-feedback d-block"' in html
    if message:
        assert message in html
    assert db.session.scalar(db.select(Feedback)) is None


def test_honeypot_and_minimum_fill_time(client, app):
    response = post_form(client, "/feedback?lang=en", {**feedback_data(), "website_url": "http://spam.example"})
    assert response.status_code == 400 and "could not be accepted" in response.get_data(as_text=True)
    assert "انتظرت طويلًا دون رد على اتصالي" in response.get_data(as_text=True)
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 3
    html = client.get("/feedback").get_data(as_text=True)
    fast = post_form(client, "/feedback?lang=en", feedback_data(), page_html=html)
    assert fast.status_code == 400 and "very fast" in fast.get_data(as_text=True)
    assert db.session.scalar(db.select(Feedback)) is None
    _, nonce = read_token("feedback", form_defaults(html)["form_token"])
    older = issue_token("feedback", nonce=nonce, issued_at=time.time() - 10)
    ok = client.post("/feedback", data={**feedback_data(), **form_defaults(html), "form_token": older})
    assert ok.status_code == 303


def test_double_submission_records_one(client):
    html = client.get("/feedback").get_data(as_text=True)
    first = post_form(client, "/feedback", feedback_data(), page_html=html)
    second = post_form(client, "/feedback", feedback_data(kind="praise"), page_html=html)
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 1


def test_what_the_public_types_is_escaped_for_staff(client, login_as):
    post_form(client, "/feedback", feedback_data(message="<script>alert(1)</script> \u202eمرحبا"))
    item = db.session.scalar(db.select(Feedback))
    assert "\u202e" not in item.message
    login_as("officer")
    html = client.get(f"/admin/feedback/details/?id={item.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
