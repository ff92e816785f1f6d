"""/request: online service requests through the website channel."""
import io
from datetime import timedelta

from extensions import db
from models.application import Application, Status
from models.beneficiary import Beneficiary, Declaration, Document
from models.files import StoredFile
from tests.web.public.conftest import (PDF, PHONE_E164, PNG, RESIDENT_ID, VALID_ID, post_form, request_data)
from workflow.dates import hijri, to_local


def test_new_beneficiary_request_with_document_and_online_declaration(client, app, catalogue):
    data = request_data(catalogue, **{
        "documents-0-document_type": str(catalogue["id_copy"].id),
        "documents-0-file": (io.BytesIO(PNG), "صورة الهوية.png"),
    })
    response = post_form(client, "/request", data, content_type="multipart/form-data",
                         environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert response.status_code == 303
    html = client.get("/request/done?lang=en").get_data(as_text=True)
    application = db.session.scalar(db.select(Application))
    assert application.reference in html
    assert application.channel.code == "website" and application.status == Status.RECEIVED
    assert application.service_type_id == catalogue["food"].id
    # Decision period: days and due date in both calendars.
    assert "14 days" in html
    due = to_local(application.received_at).date() + timedelta(days=14)
    assert application.decision_due == due
    assert due.isoformat() in html and hijri(due) in html
    beneficiary = application.beneficiary
    assert beneficiary.national_id == VALID_ID and beneficiary.phone == PHONE_E164
    assert beneficiary.full_name == "محمد عبدالله سعد القحطاني"
    declaration = db.session.scalar(db.select(Declaration))
    assert declaration.method == "online" and declaration.application_id == application.id
    assert declaration.text.version == 3  # the latest wording
    assert declaration.signed_name == "محمد عبدالله سعد القحطاني" and declaration.ip_address == "192.0.2.44"
    assert declaration.signed_at is not None
    document = db.session.scalar(db.select(Document))
    assert document.application_id == application.id and document.document_type_id == catalogue["id_copy"].id
    stored = db.session.get(StoredFile, document.file_id)
    assert stored.original_name == "صورة الهوية.png" and stored.mime == "image/png"
    assert stored.storage_name != stored.original_name
    assert (app.config["UPLOAD_FOLDER"] and (__import__("pathlib").Path(app.config["UPLOAD_FOLDER"])
                                              / stored.storage_name).read_bytes() == PNG)


def test_arabic_page_shows_period_in_arabic(client, catalogue):
    post_form(client, "/request", request_data(catalogue, service_type=str(catalogue["rent"].id)))
    html = client.get("/request/done").get_data(as_text=True)
    assert "7 أيام" in html and "هـ" in html


def test_existing_beneficiary_is_matched_never_overwritten(client, catalogue):
    existing = Beneficiary(national_id=VALID_ID, first_name="محمد", father_name="عبدالله", grandfather_name="سعد",
                           family_name="القحطاني", gender="male", phone="+966501112222", city="سكاكا", nationality="SA")
    db.session.add(existing)
    db.session.commit()
    response = post_form(client, "/request", request_data(catalogue, city="دومة الجندل", phone="0551138821",
                                                          first_name="مُحمّد"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Beneficiary.id))) == 1
    kept = db.session.get(Beneficiary, existing.id)
    assert kept.city == "سكاكا" and kept.phone == "+966501112222" and kept.first_name == "محمد"
    application = db.session.scalar(db.select(Application))
    assert application.beneficiary_id == existing.id
    notes = application.notes
    assert "دومة الجندل" in notes and "سكاكا" in notes and "+966551138821" in notes
    assert "مُحمّد" not in notes  # diacritics alone are not a difference


def test_only_active_service_types_are_offered_and_accepted(client, catalogue):
    html = client.get("/request?lang=en").get_data(as_text=True)
    assert "Food basket" in html and "Rent help" in html and "Retired service" not in html
    response = post_form(client, "/request?lang=en", request_data(catalogue, service_type=str(catalogue["old"].id)))
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True) or \
        "Choose the service you need." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Application)) is None


def test_identity_and_contact_are_validated_with_messages_at_the_field(client, catalogue):
    response = post_form(client, "/request?lang=en", request_data(
        catalogue, national_id="1000000007", phone="0112345678", description="short", signed_name="شخص آخر"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "National ID is not valid (check digit mismatch)." in html
    assert "This is not a mobile number" in html or "Enter a valid Saudi mobile number" in html
    assert 'value="1000000007"' in html and 'value="0112345678"' in html
    assert "أحتاج" not in html or "short" in html  # the description textarea keeps what was typed
    assert "short</textarea>" in html
    assert db.session.scalar(db.select(Application)) is None


def test_resident_id_must_match_nationality(client, catalogue):
    html = post_form(client, "/request?lang=en", request_data(catalogue, national_id=RESIDENT_ID)).get_data(as_text=True)
    assert "National ID does not match nationality" in html
    response = post_form(client, "/request", request_data(catalogue, national_id=RESIDENT_ID, nationality="YE"))
    assert response.status_code == 303
    assert db.session.scalar(db.select(Beneficiary)).nationality == "YE"


def test_signature_must_be_the_applicants_name_and_declaration_ticked(client, catalogue):
    response = post_form(client, "/request?lang=en", request_data(catalogue, signed_name="أحمد", declaration=""))
    html = response.get_data(as_text=True)
    assert "You must sign the declaration" in html
    response = post_form(client, "/request?lang=en", request_data(catalogue, signed_name="أحمد"))
    assert "Type your first and family names as written above." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Declaration)) is None


def test_documents_are_judged_by_content(client, catalogue):
    fake = b"<html><script>alert(1)</script></html>"
    response = post_form(client, "/request?lang=en", request_data(catalogue, **{
        "documents-0-document_type": str(catalogue["id_copy"].id),
        "documents-0-file": (io.BytesIO(fake), "id.pdf"),
    }), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Only PDF, JPEG and PNG files are allowed." in html
    assert "choose them again" in html
    assert db.session.scalar(db.select(StoredFile)) is None
    # A file without a type is refused too; a proper PDF with its type is accepted.
    response = post_form(client, "/request?lang=en", request_data(catalogue, **{
        "documents-0-file": (io.BytesIO(PDF), "id.pdf")}), content_type="multipart/form-data")
    assert "Choose the document type." in response.get_data(as_text=True)
    response = post_form(client, "/request", request_data(catalogue, **{
        "documents-0-document_type": str(catalogue["id_copy"].id),
        "documents-0-file": (io.BytesIO(PDF), "id.pdf")}), content_type="multipart/form-data")
    assert response.status_code == 303
    assert db.session.scalar(db.select(StoredFile)).mime == "application/pdf"


def test_closed_when_nothing_is_configured(client, app):
    html = client.get("/request?lang=en").get_data(as_text=True)
    assert "Online requests are not open yet." in html
    assert 'id="request-form"' not in html


def test_done_page_needs_the_session_that_sent_it(client, app, catalogue):
    post_form(client, "/request", request_data(catalogue))
    other = app.test_client()
    response = other.get("/request/done")
    assert response.status_code == 302 and response.headers["Location"].endswith("/request")
