"""/volunteer: registration, duplicates, errors kept at the field, and the staff screen."""
import csv
import io
import re

from extensions import db
from models.public import PublicSubmission
from models.volunteer import Volunteer, VolunteerField, VolunteerStatus
from tests.conftest import csrf_token
from tests.web.public.conftest import OTHER_ID, PHONE_E164, VALID_ID, post_form, volunteer_data


def _fields():
    skill = VolunteerField(kind="skill", name_ar="التصميم", name_en="Design", sort_order=1)
    interest = VolunteerField(kind="interest", name_ar="رعاية الأطفال", name_en="Childcare", sort_order=2)
    hidden = VolunteerField(kind="skill", name_ar="مهارة موقوفة", name_en="Retired skill", active=False)
    db.session.add_all([skill, interest, hidden])
    db.session.commit()
    return skill, interest, hidden


def test_form_shows_admin_configured_skills_and_privacy_notice(client, app):
    skill, interest, hidden = _fields()
    html = client.get("/volunteer?lang=en").get_data(as_text=True)
    assert "Design" in html and "Childcare" in html
    assert "Retired skill" not in html
    assert 'id="privacy-notice"' in html and "Your rights:" in html
    assert html.index('id="privacy-notice"') < html.index('type="submit"')
    assert 'name="website_url"' in html and 'name="form_token"' in html and 'name="csrf_token"' in html


def test_registration_creates_a_new_volunteer_with_consent(client, app):
    skill, interest, hidden = _fields()
    response = post_form(client, "/volunteer", volunteer_data(skills=[str(skill.id)], interests=[str(interest.id)],
                                                              national_id="١٠٠٠٠٠٠٠٠٨", phone="+966 55 113 8821"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Thank you for registering" in page
    volunteer = db.session.scalar(db.select(Volunteer))
    assert volunteer.status == VolunteerStatus.NEW
    assert volunteer.national_id == VALID_ID and volunteer.phone == PHONE_E164
    assert {f.name_en for f in volunteer.fields} == {"Design", "Childcare"}
    assert volunteer.availability_days == ["sat", "mon"] and volunteer.availability_hours == ["evening"]
    assert volunteer.consent_at is not None and volunteer.privacy_notice_version == "2026-1"
    submission = db.session.scalar(db.select(PublicSubmission))
    assert submission.kind == "volunteer" and submission.record_id == volunteer.id
    assert submission.consent_at is not None and submission.privacy_notice_version == "2026-1"
    # The thank-you message is written with the registration (sent later by the outbox worker).
    from models.outbox import OutboxMessage

    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.volunteer_id == volunteer.id))
    assert message.event == "volunteer_received" and message.to_address == PHONE_E164


def test_inactive_skill_cannot_be_posted(client, app):
    skill, interest, hidden = _fields()
    response = post_form(client, "/volunteer?lang=en", volunteer_data(skills=[str(hidden.id)]))
    assert response.status_code == 400
    assert db.session.scalar(db.select(Volunteer)) is None


def test_duplicate_id_changes_nothing_and_reveals_nothing(client, app):
    assert post_form(client, "/volunteer", volunteer_data()).status_code == 303
    response = post_form(client, "/volunteer?lang=en", volunteer_data(
        full_name="شخص آخر تماما", phone="0501234567", email="other@example.org", city="جدة"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already registered" in html
    for secret in ("سارة", "sara@example.org", "الرياض", "8821"):
        assert secret not in html
    volunteers = db.session.scalars(db.select(Volunteer)).all()
    assert len(volunteers) == 1
    assert volunteers[0].full_name == "سارة أحمد الشهري" and volunteers[0].city == "الرياض"


def test_errors_keep_what_was_typed_and_show_translated_messages(client, app):
    data = volunteer_data(national_id="1234567890", phone="0123", email="not-an-email", consent="")
    response = post_form(client, "/volunteer", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    # What was typed is still there.
    assert 'value="سارة أحمد الشهري"' in html and 'value="1234567890"' in html and 'value="الرياض"' in html
    assert re.search(r'<input checked[^>]*value="sat"|value="sat"[^>]*checked', html)
    assert not re.search(r'<input checked[^>]*value="sun"|value="sun"[^>]*checked', html)
    # Arabic messages next to the fields (from the existing catalogue).
    assert html.count("invalid-feedback") >= 3
    english = post_form(client, "/volunteer?lang=en", data).get_data(as_text=True)
    assert "National ID is not valid (check digit mismatch)." in english
    assert "Enter a valid email address." in english
    assert "Please read and accept the privacy notice." in english
    assert db.session.scalar(db.select(Volunteer)) is None


def test_nid_must_be_ten_digits_message_is_arabic(client, app):
    html = post_form(client, "/volunteer", volunteer_data(national_id="12")).get_data(as_text=True)
    assert "رقم الهوية يجب أن يتكون من 10 أرقام بالضبط." in html


def test_staff_list_details_export_and_status(client, app, users, login_as):
    skill, interest, hidden = _fields()
    post_form(client, "/volunteer", volunteer_data(skills=[str(skill.id)]))
    post_form(client, "/volunteer", volunteer_data(national_id=OTHER_ID, full_name="خالد عمر الحربي"))
    login_as("officer")
    html = client.get("/admin/volunteer/").get_data(as_text=True)
    assert "سارة أحمد الشهري" in html and "خالد عمر الحربي" in html and "التصميم" in html
    volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.national_id == VALID_ID))
    assert "الشهري" in client.get(f"/admin/volunteer/details/?id={volunteer.id}").get_data(as_text=True)
    export = client.get("/admin/volunteer/export/csv/")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3
    # Bulk status: new → contacted works; new → active is refused (must be contacted first).
    token = csrf_token(html)
    client.post("/admin/volunteer/action/", data={"action": "activate", "rowid": [str(volunteer.id)],
                                                   "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == VolunteerStatus.NEW
    client.post("/admin/volunteer/action/", data={"action": "contacted", "rowid": [str(volunteer.id)],
                                                   "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == VolunteerStatus.CONTACTED
    # Edit form: status and notes.
    edit = client.get(f"/admin/volunteer/edit/?id={volunteer.id}").get_data(as_text=True)
    response = client.post(f"/admin/volunteer/edit/?id={volunteer.id}", data={
        "status": "active", "notes": "اتصلنا بها", "fields": [str(skill.id)], "csrf_token": csrf_token(edit)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == VolunteerStatus.ACTIVE
    response = client.post(f"/admin/volunteer/edit/?id={volunteer.id}", data={
        "status": "new", "notes": "", "csrf_token": csrf_token(edit)})
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == VolunteerStatus.ACTIVE


def test_specialist_and_viewer_cannot_open_volunteers(client, app, users, login_as):
    post_form(client, "/volunteer", volunteer_data())
    client.get("/logout")
    login_as("viewer")
    assert client.get("/admin/volunteer/").status_code == 403


def test_admin_bulk_delete_works_officer_cannot(client, app, users, login_as):
    """Erasure requests: admins delete; the typed ids also work on PostgreSQL."""
    post_form(client, "/volunteer", volunteer_data())
    volunteer_id = db.session.scalar(db.select(Volunteer.id))
    login_as("officer")
    token = csrf_token(client.get("/admin/volunteer/").get_data(as_text=True))
    client.post("/admin/volunteer/action/", data={"action": "delete", "rowid": [str(volunteer_id)], "csrf_token": token})
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 1
    client.post("/logout", data={"csrf_token": token})
    login_as("admin")
    token = csrf_token(client.get("/admin/volunteer/").get_data(as_text=True))
    client.post("/admin/volunteer/action/", data={"action": "delete", "rowid": [str(volunteer_id), "x"],
                                                   "csrf_token": token})
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 0


def test_list_query_count_does_not_grow_with_rows(client, app, users, login_as):
    from sqlalchemy import event

    skill, interest, _ = _fields()

    def count_queries():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get("/admin/volunteer/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    login_as("officer")
    db.session.add(Volunteer(full_name="متطوع", national_id="1000000081", phone=PHONE_E164, fields=[skill]))
    db.session.commit()
    few = count_queries()
    ids = ["1000000024", "1000000032", "1000000040", "1000000057", "1000000065", "1000000073"]
    for national_id in ids:
        db.session.add(Volunteer(full_name="متطوع", national_id=national_id, phone=PHONE_E164,
                                 fields=[skill, interest]))
    db.session.commit()
    assert count_queries() == few
