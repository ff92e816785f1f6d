"""Nothing lost, nothing garbled (issue 12): concurrent edits, control characters, huge ids,
exports of nasty text."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from extensions import db
from models.beneficiary import Beneficiary
from workflow.roles import Role
from tests.conftest import csrf_token, login
from tests.registry_helpers import make_beneficiary

FORM = {"national_id": "1058529940", "first_name": "أحمد", "father_name": "محمد", "grandfather_name": "علي",
        "family_name": "الغامدي", "gender": "male", "birth_date": "1985-03-01", "nationality": "SA",
        "phone": "0551138821", "email": "", "region": "riyadh", "city": "الرياض", "district": "", "address": "",
        "marital_status": "married", "monthly_income": "3000", "notes": ""}


@pytest.fixture
def seeded(app):
    from workflow.reference import load_defaults

    load_defaults()


def _signed_in(app, users, role):
    client = app.test_client()
    assert login(client, users[role].email).status_code == 302
    client.get("/admin/?lang=en")
    return client


def _open_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    match = re.search(r'name="record_version"[^>]*value="([^"]*)"', text) or re.search(
        r'value="([^"]*)"[^>]*name="record_version"', text)
    assert match, "the edit form carries the record's version"
    return {"csrf_token": csrf_token(text), "record_version": html.unescape(match.group(1))}


# --- 1. lost updates --------------------------------------------------------------

def test_second_officer_saving_a_stale_form_is_refused_and_keeps_what_was_typed(app, seeded, users):
    person = make_beneficiary()
    url = f"/admin/beneficiary/edit/?id={person.id}"
    first, second = _signed_in(app, users, "officer"), _signed_in(app, users, "admin")
    first_form, second_form = _open_form(first, url), _open_form(second, url)

    saved = first.post(url, data={**FORM, **first_form, "city": "جدة"}, content_type="multipart/form-data")
    assert saved.status_code == 302
    stale = second.post(url, data={**FORM, **second_form, "notes": "زار المكتب اليوم"},
                        content_type="multipart/form-data")
    assert stale.status_code == 200
    page = html.unescape(stale.get_data(as_text=True))
    assert "Someone else saved this record after you opened it" in page
    assert "City: «جدة»" in page  # which field changed, and its new value
    assert "زار المكتب اليوم" in page  # what the second officer typed is still in the form
    db.session.expire_all()
    stored = db.session.get(Beneficiary, person.id)
    assert (stored.city, stored.notes) == ("جدة", "")  # the first save stands

    # Having seen the other change, saving again on purpose is accepted.
    again = _open_form_from(stale.get_data(as_text=True))
    resaved = second.post(url, data={**FORM, "city": "جدة", "notes": "زار المكتب اليوم", **again},
                          content_type="multipart/form-data")
    assert resaved.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Beneficiary, person.id).city, db.session.get(Beneficiary, person.id).notes) == (
        "جدة", "زار المكتب اليوم")


def _open_form_from(text):
    version = re.search(r'name="record_version"[^>]*value="([^"]*)"', text) or re.search(
        r'value="([^"]*)"[^>]*name="record_version"', text)
    return {"csrf_token": csrf_token(text), "record_version": html.unescape(version.group(1))}


def test_stale_save_is_refused_in_arabic_by_default(app, seeded, users):
    person = make_beneficiary()
    url = f"/admin/beneficiary/edit/?id={person.id}"
    first, second = _signed_in(app, users, "officer"), _signed_in(app, users, "admin")
    second.get("/admin/?lang=ar")
    first_form, second_form = _open_form(first, url), _open_form(second, url)
    assert first.post(url, data={**FORM, **first_form, "city": "جدة"},
                      content_type="multipart/form-data").status_code == 302
    page = second.post(url, data={**FORM, **second_form}, content_type="multipart/form-data").get_data(as_text=True)
    assert "حفظ شخص آخر هذا السجل" in html.unescape(page)


def test_request_edit_form_carries_its_version(app, seeded, users):
    from models.application import Application
    from models.reference import Channel
    from models.service import ServiceType
    from workflow.applications import receive_application

    person = make_beneficiary()
    service = ServiceType(name_ar="سلة غذائية", name_en="Food basket")
    db.session.add(service)
    db.session.flush()
    application = receive_application(person, service, db.session.scalars(select(Channel)).first(),
                                      description="يحتاج سلة", notes="")
    db.session.commit()
    url = f"/admin/application/edit/?id={application.id}"
    first, second = _signed_in(app, users, "officer"), _signed_in(app, users, "admin")
    first_form, second_form = _open_form(first, url), _open_form(second, url)
    assert first.post(url, data={**first_form, "description": "يحتاج سلة غذائية شهرية", "notes": ""}).status_code == 302
    stale = second.post(url, data={**second_form, "description": "يحتاج سلة", "notes": "اتصلنا به"})
    assert stale.status_code == 200 and "Someone else saved this record" in html.unescape(stale.get_data(as_text=True))
    db.session.expire_all()
    stored = db.session.get(Application, application.id)
    assert (stored.description, stored.notes) == ("يحتاج سلة غذائية شهرية", "")


@pytest.mark.parametrize("endpoint,values", [
    ("servicetype", {"name_ar": "كفالة", "name_en": "Sponsorship", "description": "", "active": "y",
                     "decision_period_days": "", "cooldown_days": "0"}),
])
def test_service_type_edit_is_locked_too(app, seeded, users, endpoint, values):
    from models.service import ServiceType

    service = ServiceType(name_ar="كفالة", name_en="Sponsorship")
    db.session.add(service)
    db.session.commit()
    url = f"/admin/{endpoint}/edit/?id={service.id}"
    first, second = _signed_in(app, users, "admin"), _signed_in(app, users, "admin")
    first_form, second_form = _open_form(first, url), _open_form(second, url)
    assert first.post(url, data={**values, **first_form, "name_en": "Orphan sponsorship"}).status_code == 302
    stale = second.post(url, data={**values, **second_form, "cooldown_days": "30"})
    assert stale.status_code == 200
    assert "Orphan sponsorship" in html.unescape(stale.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(ServiceType, service.id).cooldown_days == 0


@pytest.mark.parametrize("url", ["/admin/committeesession/edit/?id={id}", "/admin/organisationprofile/edit/?id={id}"])
def test_other_edit_forms_carry_the_version(app, seeded, users, url):
    from datetime import date

    from models.committee import CommitteeSession
    from workflow.policy_templates import get_profile

    if "committee" in url:
        record = CommitteeSession(number="1447/1", held_on=date(2026, 1, 5))
        db.session.add(record)
    else:
        record = get_profile()
    db.session.commit()
    _open_form(_signed_in(app, users, "admin"), url.format(id=record.id))


# --- 3. ids out of range -----------------------------------------------------------

HUGE = ["99999999999999999999", "2147483648"]


def _huge_urls(app, huge):
    admin = app.extensions["admin"][0]
    urls = []
    for view in admin._views:
        if not hasattr(view, "model"):
            continue
        base = f"/admin/{view.endpoint}"
        may = {kind: Role.ADMIN in getattr(view, f"roles_{kind}") for kind in ("read", "edit", "delete")}
        if may["read"]:
            urls += [("get", f"{base}/details/?id={huge}")]
        if may["edit"]:
            urls += [("get", f"{base}/edit/?id={huge}"),
                     ("post", f"{base}/ajax/update/", {"list_form_pk": huge, "pk": huge})]
        if may["delete"]:
            urls += [("post", f"{base}/delete/", {"id": huge}),
                     ("post", f"{base}/action/", {"action": "delete", "rowid": huge})]
    assert len(urls) > 40
    return urls + [
        ("get", f"/admin/file/{huge}"), ("get", f"/admin/application/letter/?id={huge}"),
        ("get", f"/admin/application/attachment/?research={huge}&file=1"),
        ("get", f"/admin/committeesession/minutes/?id={huge}"),
        ("post", "/admin/committeesession/presence/", {"id": huge, "user": "1"}),
        ("post", "/admin/committeesession/agenda/add/", {"id": "1", "application": huge}),
        ("get", f"/admin/application/transition/withdraw/?ids={huge}"),
        ("get", f"/admin/beneficiary/{huge}/declaration.print"),
        ("get", f"/admin/privacy-export/{huge}/"), ("get", f"/admin/privacy-export/{huge}.json"),
    ]


@pytest.mark.parametrize("huge", HUGE)
def test_ids_out_of_range_are_404_on_every_endpoint(app, seeded, users, huge):
    client = _signed_in(app, users, "admin")
    token = csrf_token(client.get("/admin/beneficiary/").get_data(as_text=True))
    failures = []
    for method, url, *data in _huge_urls(app, huge):
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data={**(data[0] if data else {}), "csrf_token": token})
        if response.status_code != 404:
            failures.append((url, response.status_code))
    specialist = _signed_in(app, users, "specialist")
    for url in (f"/admin/referral/research/?id={huge}",):
        if specialist.get(url).status_code != 404:
            failures.append((url, "specialist"))
    assert failures == []


# --- 4. control characters -----------------------------------------------------------

def test_admin_forms_clean_nul_and_bidi_overrides(app, seeded, users):
    from models.reference import Channel

    client = _signed_in(app, users, "officer")
    token = csrf_token(client.get("/admin/beneficiary/new/").get_data(as_text=True))
    response = client.post("/admin/beneficiary/new/", content_type="multipart/form-data", data={
        **FORM, "csrf_token": token, "first_name": "\u202eأحمد\x00", "address": "حي\x00 النزهة\u202e",
        "notes": "سطر\x00 أول\r\nسطر\t\u202eثان"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    person = db.session.scalar(select(Beneficiary))
    assert (person.first_name, person.address) == ("أحمد", "حي النزهة")
    assert person.notes == "سطر أول\nسطر\tثان"

    admin = _signed_in(app, users, "admin")
    token = csrf_token(admin.get("/admin/channel/new/").get_data(as_text=True))
    response = admin.post("/admin/channel/new/", data={"csrf_token": token, "code": "sms\x00", "name_ar": "رسائل\x00",
                                                         "name_en": "SMS\u202e", "sort_order": "1", "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    channel = db.session.scalar(select(Channel).where(Channel.code == "sms"))
    assert (channel.name_ar, channel.name_en) == ("رسائل", "SMS")


def test_public_policy_never_serves_a_nul_typed_by_staff(app, seeded, users):
    from workflow.policy_templates import get_profile

    profile = get_profile()
    db.session.commit()
    admin = _signed_in(app, users, "admin")
    url = f"/admin/organisationprofile/edit/?id={profile.id}"
    form = _open_form(admin, url)
    response = admin.post(url, data={**form, "name_ar": "جمعية\x00 البر", "default_decision_period_days": "14",
                                     "general_goal_ar": "هدف\x00 عام\u202e"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    policy = app.test_client().get("/policy").get_data(as_text=True)
    assert "\x00" not in policy and "\u202e" not in policy
    assert "جمعية البر" in policy


def test_admin_date_typed_with_a_time_is_not_a_valid_date_not_required(app, seeded, users):
    client = _signed_in(app, users, "admin")
    token = csrf_token(client.get("/admin/committeesession/new/").get_data(as_text=True))
    response = client.post("/admin/committeesession/new/", data={
        "csrf_token": token, "number": "1447/9", "held_on": "2026-01-05 10:00", "place": "المقر"})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Not a valid date: write it as YYYY-MM-DD, for example 2025-09-15." in text
    assert "1447/9" in text  # what was typed is kept
