"""/status: reference + last four phone digits; nothing more is shown, wrong pairs look unknown."""
import re

from extensions import db
from models.application import Application, Status
from models.beneficiary import Beneficiary
from tests.web.public.conftest import VALID_ID, post_form, request_data
from workflow.applications import record_transition


def _submit(client, catalogue, **kw):
    post_form(client, "/request", request_data(catalogue, **kw))
    return db.session.scalar(db.select(Application).order_by(Application.id.desc()))


def _answer(client, reference, digits, lang="en"):
    response = post_form(client, f"/status?lang={lang}", {"reference": reference, "phone_last4": digits})
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    html = re.sub(r'value="[^"]*"', 'value=""', html)  # what was typed differs; the answer must not
    return response.status_code, html


def test_status_shows_status_dates_and_nothing_personal(client, catalogue):
    application = _submit(client, catalogue)
    code, html = _answer(client, application.reference, "8821")
    assert code == 200
    assert "Received, being checked" in html and application.reference in html
    assert application.decision_due.isoformat() in html
    for personal in ("محمد", "القحطاني", VALID_ID, "0551138821", "+966551138821", "سكاكا", "سلة غذائية لأسرتي"):
        assert personal not in html


def test_reference_is_forgiving_about_how_it_is_typed(client, catalogue):
    application = _submit(client, catalogue)
    year, number = application.reference.split("-")[1:]
    arabic_digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for typed in (application.reference.lower(), f"{year}-{int(number)}", f" {year}{number} ".translate(arabic_digits)):
        code, html = _answer(client, typed, "٨٨٢١")
        assert code == 200 and "Received, being checked" in html, typed


def test_wrong_pair_answers_exactly_like_unknown_reference(client, catalogue):
    application = _submit(client, catalogue)
    wrong_pair = _answer(client, application.reference, "1234")
    unknown = _answer(client, "REQ-1400-999999", "8821")
    garbage = _answer(client, "hello", "8821")
    assert wrong_pair == unknown == garbage
    assert wrong_pair[0] == 404
    assert "We found no request with this reference number and these digits." in wrong_pair[1]
    assert "Received, being checked" not in wrong_pair[1]


def test_missing_items_are_listed_when_incomplete(client, catalogue):
    application = _submit(client, catalogue)
    application.missing_items = ["صورة عقد الإيجار", {"ar": "تعريف بالراتب", "en": "Salary certificate"}]
    record_transition(application, "mark_incomplete", Status.INCOMPLETE, note="internal note: call him")
    db.session.commit()
    code, html = _answer(client, application.reference, "8821")
    assert "Waiting for missing information from you" in html
    assert "صورة عقد الإيجار" in html and "Salary certificate" in html
    assert "internal note" not in html
    code, html = _answer(client, application.reference, "8821", lang="ar")
    assert "تعريف بالراتب" in html


def test_phone_typed_on_the_form_and_phone_in_registry_both_work(client, catalogue):
    db.session.add(Beneficiary(national_id=VALID_ID, first_name="محمد", family_name="القحطاني", gender="male",
                               phone="+966501112222"))
    db.session.commit()
    application = _submit(client, catalogue)  # typed 0551138821
    assert _answer(client, application.reference, "8821")[0] == 200
    assert _answer(client, application.reference, "2222")[0] == 200
    assert _answer(client, application.reference, "0000")[0] == 404


def test_status_form_errors_are_at_the_field(client):
    response = post_form(client, "/status?lang=en", {"reference": "", "phone_last4": "12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field is required." in html and "Enter exactly 4 digits." in html
