"""Programme and project requests from groups and organisations (issue 14, part 2, policy 001)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from extensions import db
from models.application import Application, Status
from models.beneficiary import Communication
from tests import factories as f
from tests.conftest import csrf_token
from tests.factories import english  # noqa: F401 (autouse)
from tests.web.test_branches import _html, login
from workflow import state_machine as sm
from workflow.policy_templates import apply_template


def _community_on():
    apply_template("dawa")  # policy 001 takes programme requests from the community
    db.session.commit()


def _post_new(client, **fields):
    page = client.get("/admin/application/new/")
    data = {"csrf_token": csrf_token(_html(page)), "description": "برنامج تحفيظ صيفي", "notes": ""}
    data.update(fields)
    return client.post("/admin/application/new/", data=data, follow_redirects=True)


def test_the_applicant_kind_is_offered_only_when_the_policy_takes_community_requests(app, client, users):
    login(client, users["officer"].email)
    assert 'name="applicant_kind"' not in _html(client.get("/admin/application/new/"))
    _community_on()
    html = _html(client.get("/admin/application/new/"))
    assert 'name="applicant_kind"' in html and "An organisation (ministry, association)" in html
    assert 'name="expected_beneficiaries"' in html and 'name="registration_no"' in html


def test_officer_registers_an_organisations_programme_request(app, client, users):
    _community_on()
    st = f.service_type("برنامج توعوي")
    db.session.commit()
    login(client, users["officer"].email)
    response = _post_new(client, applicant_kind="organisation", applicant_name="وزارة الشؤون الإسلامية - فرع الجوف",
                         contact_name="عبدالله الشمري", contact_phone="0551234567", registration_no="7001234",
                         expected_beneficiaries="120", service_type=st.id)
    assert response.status_code == 200
    created = db.session.scalars(select(Application)).one()
    assert created.beneficiary_id is None and created.applicant_kind == "organisation"
    assert created.contact_phone == "+966551234567" and created.expected_beneficiaries == 120
    details = _html(client.get(f"/admin/application/details/?id={created.id}"))
    assert "وزارة الشؤون الإسلامية - فرع الجوف" in details and "عبدالله الشمري" in details
    # The checklist asks for the contact person's data, not a national ID.
    assert "Contact person&#39;s name and mobile" in details or "Contact person's name and mobile" in details
    assert "National ID is valid" not in details
    assert created.reference in _html(client.get("/admin/application/"))


def test_a_group_request_with_missing_details_is_refused_at_the_fields(app, client, users):
    _community_on()
    st = f.service_type("برنامج توعوي")
    person = f.beneficiary()
    db.session.commit()
    login(client, users["officer"].email)
    response = _post_new(client, applicant_kind="group", applicant_name="جماعة مسجد الحي", contact_name="",
                         contact_phone="123", expected_beneficiaries="", service_type=st.id, beneficiary=person.id)
    html = _html(response)
    assert "Write the contact person&#39;s name." in html or "Write the contact person's name." in html
    assert "valid Saudi mobile" in html and "expected to benefit" in html
    assert "has no single beneficiary" in html
    assert 'value="جماعة مسجد الحي"' in html  # kept
    assert db.session.scalar(select(Application.id)) is None


def test_a_persons_request_still_needs_the_beneficiary(app, client, users):
    _community_on()
    st = f.service_type()
    db.session.commit()
    login(client, users["officer"].email)
    html = _html(_post_new(client, applicant_kind="person", service_type=st.id))
    assert "Choose the beneficiary." in html
    assert db.session.scalar(select(Application.id)) is None


def _community_request(users, kind="group", **overrides):
    from workflow.applicants import check_applicant
    from workflow.applications import receive_application

    values = dict(name="مدرسة الحي الابتدائية", contact_name="خالد العنزي", contact_phone="0557654321",
                  expected_beneficiaries=300)
    values.update(overrides)
    applicant = check_applicant(kind, None, **values)
    assert applicant.ok, applicant.problems
    application = receive_application(None, f.service_type("برنامج صحي"), f.channel(), actor=users["officer"],
                                      applicant=applicant)
    db.session.commit()
    return application


def test_a_community_request_goes_through_the_same_state_machine(app, users):
    application = _community_request(users)
    sm.verify(application, users["officer"])
    sm.raise_to_committee(application, users["officer"])
    db.session.commit()
    committee = users["committee"]
    session = f.session([committee], present=[committee], agenda=[application])
    db.session.commit()
    sm.decide(application, committee, session, "accept", granted="برنامج توعوي لثلاثمئة طالب")
    db.session.commit()
    assert application.status == Status.ACCEPTED
    told = db.session.scalars(select(Communication).where(Communication.application_id == application.id)).all()
    assert told and told[-1].beneficiary_id is None and "خالد العنزي" in told[-1].summary


def test_the_approved_programme_gets_execution_dates_and_a_responsible_staff_member(app, client, users):
    application = _community_request(users)
    login(client, users["officer"].email)
    edit = _html(client.get(f"/admin/application/edit/?id={application.id}"))
    assert 'name="execution_start"' not in edit  # not before it is accepted
    f.force_status(application, Status.ACCEPTED)
    db.session.commit()
    page = client.get(f"/admin/application/edit/?id={application.id}")
    assert 'name="execution_start"' in _html(page)
    base = {"csrf_token": csrf_token(_html(page)), "applicant_name": application.applicant_name,
            "contact_name": application.contact_name, "contact_phone": "0557654321", "registration_no": "",
            "expected_beneficiaries": "300", "description": "", "notes": ""}
    refused = client.post(f"/admin/application/edit/?id={application.id}", data={
        **base, "execution_start": "2026-02-10", "execution_end": "2026-02-01"}, follow_redirects=True)
    assert "cannot end before it starts" in _html(refused)
    client.post(f"/admin/application/edit/?id={application.id}", data={
        **base, "execution_start": "2026-02-01", "execution_end": "2026-03-01",
        "responsible": str(users["officer"].id)})
    db.session.expire_all()
    saved = db.session.get(Application, application.id)
    assert saved.execution_start == date(2026, 2, 1) and saved.execution_end == date(2026, 3, 1)
    assert saved.responsible_id == users["officer"].id
    details = _html(client.get(f"/admin/application/details/?id={application.id}"))
    assert "Responsible staff member" in details and users["officer"].full_name in details
