"""The request screens over HTTP: every action is a POST with CSRF, checked
against role and status on the server; refusals are messages, not errors."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from extensions import db
from models.application import Application, ApplicationEvent, Status
from models.committee import CommitteeSession, Decision
from models.organisation import OrganisationProfile
from models.service import ServiceType
from tests import factories as f
from tests.factories import english  # noqa: F401 (autouse)
from tests.conftest import csrf_token
from tests.conftest import login as _login
from tests.querycount import page_queries


def login(client, email):
    """Sign in and read the pages in English (the assertions use the English msgids)."""
    home = client.get("/admin/")
    if home.status_code == 200:  # someone is signed in: sign out first
        client.post("/logout", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
    response = _login(client, email)
    client.get("/admin/?lang=en")
    return response
from workflow import state_machine as sm


def _html(response):
    return response.get_data(as_text=True)


def _token(client, url="/admin/"):
    return csrf_token(_html(client.get(url)))


def _events(app_id):
    return db.session.scalar(select(func.count()).select_from(ApplicationEvent)
                             .where(ApplicationEvent.application_id == app_id))


def _fresh(app_id) -> Application:
    db.session.expire_all()
    return db.session.get(Application, app_id)


def _post_action(client, name, application, token, **data):
    payload = {"csrf_token": token, "ids": str(application.id),
               "versions": f"{application.id}:{application.version}", **data}
    return client.post(f"/admin/application/transition/{name}/", data=payload)


def test_officer_creates_a_request(app, client, users):
    b = f.beneficiary()
    st = f.service_type(period=7)
    channel = f.channel()
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get("/admin/application/new/")
    assert page.status_code == 200
    lookup = client.get("/admin/application/ajax/lookup/?name=beneficiary&query=" + b.national_id[:6])
    assert lookup.status_code == 200 and str(b.id) in _html(lookup)
    folded = client.get("/admin/application/ajax/lookup/?name=beneficiary&query=العتيبى")  # ى for ي
    assert str(b.id) in _html(folded)
    # The page's script posts the term instead (no ID in a URL), with the CSRF header.
    posted = client.post("/admin/application/ajax/lookup/", data={"name": "beneficiary", "query": b.national_id[:6]},
                         headers={"X-CSRFToken": csrf_token(_html(page))})
    assert posted.status_code == 200 and json.loads(_html(posted))[0][0] == b.id
    assert "*" in json.loads(_html(posted))[0][1]  # the ID is masked in the choice
    assert client.post("/admin/application/ajax/lookup/", data={"name": "beneficiary", "query": "10"}).status_code == 400
    response = client.post("/admin/application/new/", data={
        "csrf_token": csrf_token(_html(page)), "beneficiary": b.id, "service_type": st.id,
        "channel": channel.id, "description": "سلة غذائية للأسرة", "notes": ""}, follow_redirects=True)
    assert response.status_code == 200
    created = db.session.scalars(select(Application)).one()
    assert re.fullmatch(r"REQ-14\d\d-000001", created.reference)
    assert created.status == Status.RECEIVED and created.created_by_id == users["officer"].id
    assert (created.decision_due - created.received_at.date()).days in (7, 8)
    assert created.reference in _html(response)


def test_lookup_is_closed_to_readers_who_cannot_create(app, client, users):
    f.beneficiary()
    db.session.commit()
    login(client, users["viewer"].email)
    assert client.get("/admin/application/ajax/lookup/?name=beneficiary&query=10").status_code == 403
    token = csrf_token(_html(client.get("/admin/application/")))
    assert client.post("/admin/application/ajax/lookup/", data={"name": "beneficiary", "query": "10"},
                       headers={"X-CSRFToken": token}).status_code == 403
    # The same everywhere: the registry's screens offer look-ups only to those who fill their forms.
    assert client.get("/admin/document/ajax/lookup/?name=beneficiary&query=10").status_code == 403


def test_list_shows_status_due_and_overdue_filter(app, client, users):
    late = f.application(received_at=f.utc(2024, 1, 1))
    fresh = f.application()
    db.session.commit()
    login(client, users["viewer"].email)
    page = _html(client.get("/admin/application/"))
    assert late.reference in page and fresh.reference in page
    assert 'class="overdue"' in page
    assert "status-received" in page
    # The overdue filter (index of the filter in column_filters: 1).
    html = _html(client.get("/admin/application/?flt0_1=1"))
    assert late.reference in html and fresh.reference not in html
    html = _html(client.get("/admin/application/?flt0_1=0"))
    assert late.reference not in html and fresh.reference in html


def test_verify_double_click_makes_one_transition(app, client, users):
    application = f.application()
    db.session.commit()
    login(client, users["officer"].email)
    token = _token(client, f"/admin/application/details/?id={application.id}")
    first = _post_action(client, "verify", application, token)
    second = _post_action(client, "verify", application, token)  # same page, same version
    assert first.status_code == 302 and second.status_code == 302
    follow = client.get(second.headers["Location"])
    assert "changed by someone else" in _html(follow)
    assert _fresh(application.id).status == Status.VERIFIED
    assert _events(application.id) == 2


def test_refusals_are_messages_and_change_nothing(app, client, users):
    application = f.application(signed=False)
    db.session.commit()
    login(client, users["officer"].email)
    token = _token(client, f"/admin/application/details/?id={application.id}")
    # Checklist fails: refused with the reason, the checklist shows the failing item.
    response = _post_action(client, "verify", application, token)
    page = _html(client.get(response.headers["Location"]))
    assert "did not pass verification" in page and "check-fail" in page
    # Not possible from this status.
    response = _post_action(client, "deliver", application, token)
    assert "not possible" in _html(client.get(response.headers["Location"]))
    assert _fresh(application.id).status == Status.RECEIVED and _events(application.id) == 1


@pytest.mark.parametrize("role", ["viewer", "committee", "specialist"])
def test_actions_refused_to_other_roles(app, client, users, role):
    application = f.application()
    if role == "specialist":
        sm.refer_to_specialist(application, users["officer"], users["specialist"], "سبب")
        sm.submit_research(application, users["specialist"], mechanism="interview", conducted_on=date.today(),
                           findings="x", recommendation="accept")
    db.session.commit()
    login(client, users[role].email)
    token = _token(client)
    before = _events(application.id)
    for name in ("verify", "mark_incomplete", "refer_to_specialist", "withdraw", "deliver"):
        response = _post_action(client, name, application, token, reason="x", missing="x", specialist="1")
        assert response.status_code == 403, (role, name)
    response = client.post("/admin/application/action/", data={
        "csrf_token": token, "action": "verify", "rowid": [str(application.id)]})
    assert _fresh(application.id).status == Status.RECEIVED and _events(application.id) == before


def test_post_without_csrf_is_refused(app, client, users):
    application = f.application()
    db.session.commit()
    login(client, users["officer"].email)
    response = client.post(f"/admin/application/transition/verify/", data={"ids": str(application.id)})
    assert response.status_code == 400
    assert _fresh(application.id).status == Status.RECEIVED


def test_bulk_verify_and_raise(app, client, users):
    good = f.application()
    unsigned = f.application(signed=False)
    db.session.commit()
    login(client, users["officer"].email)
    token = _token(client, "/admin/application/")
    response = client.post("/admin/application/action/", data={
        "csrf_token": token, "action": "verify", "rowid": [str(good.id), str(unsigned.id)]}, follow_redirects=True)
    page = _html(response)
    assert good.reference in page and "did not pass verification" in page
    assert _fresh(good.id).status == Status.VERIFIED and _fresh(unsigned.id).status == Status.RECEIVED
    client.post("/admin/application/action/", data={
        "csrf_token": token, "action": "raise_to_committee", "rowid": [str(good.id), str(unsigned.id)]})
    assert _fresh(good.id).status == Status.AWAITING_COMMITTEE and _fresh(unsigned.id).status == Status.RECEIVED


def test_bulk_refer_opens_a_form(app, client, users):
    a, b = f.application(), f.application()
    db.session.commit()
    login(client, users["officer"].email)
    token = _token(client, "/admin/application/")
    response = client.post("/admin/application/action/", data={
        "csrf_token": token, "action": "refer", "rowid": [str(a.id), str(b.id)]})
    assert response.status_code == 302 and "/transition/refer_to_specialist/" in response.headers["Location"]
    form = client.get(response.headers["Location"])
    html = _html(form)
    assert a.reference in html and b.reference in html and users["specialist"].full_name in html
    # Missing reason: the form comes back with the error, nothing changes.
    ids = f"{a.id},{b.id}"
    response = client.post("/admin/application/transition/refer_to_specialist/", data={
        "csrf_token": csrf_token(html), "ids": ids, "specialist": users["specialist"].id, "reason": ""})
    assert response.status_code == 200 and _fresh(a.id).status == Status.RECEIVED
    response = client.post("/admin/application/transition/refer_to_specialist/", data={
        "csrf_token": csrf_token(html), "ids": ids, "specialist": users["specialist"].id, "reason": "زيارة ميدانية"})
    assert response.status_code == 302
    assert _fresh(a.id).status == Status.WITH_SPECIALIST and _fresh(b.id).assigned_specialist_id == users["specialist"].id


def test_mark_incomplete_form_prefills_missing_items_and_tells_the_beneficiary(app, client, users):
    application = f.application(signed=False)
    db.session.commit()
    login(client, users["officer"].email)
    form = client.get(f"/admin/application/transition/mark_incomplete/?ids={application.id}")
    html = _html(form)
    assert "توقيع الإقرار بصحة البيانات" in html
    response = client.post("/admin/application/transition/mark_incomplete/", data={
        "csrf_token": csrf_token(html), "ids": str(application.id), "versions": f"{application.id}:1",
        "missing": "توقيع الإقرار بصحة البيانات\nصورة الهوية"})
    assert response.status_code == 302
    page = _html(client.get(f"/admin/application/details/?id={application.id}"))
    assert 'id="missing-items"' in page and "صورة الهوية" in page
    assert "يحتاج إلى استكمال" in page  # the outgoing communication on the request
    assert _fresh(application.id).missing_items == ["توقيع الإقرار بصحة البيانات", "صورة الهوية"]


def test_specialist_sees_only_own_referrals_and_reports(app, client, users, tmp_path):
    from workflow.users import create_user

    other = create_user("s2@example.org", "أخصائي آخر", "specialist", "correct horse battery")
    mine, theirs, old = f.application(), f.application(), f.application(received_at=f.utc(2024, 5, 1))
    for a in (mine, old):
        sm.refer_to_specialist(a, users["officer"], users["specialist"], "سبب الإحالة")
    sm.refer_to_specialist(theirs, users["officer"], other, "سبب")
    db.session.commit()
    login(client, users["specialist"].email)
    page = _html(client.get("/admin/referral/"))
    assert mine.reference in page and old.reference in page and theirs.reference not in page
    assert page.index(old.reference) < page.index(mine.reference)  # oldest first
    assert client.get(f"/admin/referral/research/?id={theirs.id}").status_code == 404
    assert client.get(f"/admin/application/details/?id={theirs.id}").status_code in (302, 404)
    form = client.get(f"/admin/referral/research/?id={mine.id}")
    html = _html(form)
    assert "سبب الإحالة" in html
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    from io import BytesIO

    bad = client.post(f"/admin/referral/research/?id={mine.id}", data={
        "csrf_token": csrf_token(html), "version": str(mine.version), "mechanism": "field_visit",
        "conducted_on": date.today().isoformat(), "findings": "منزل بالإيجار", "recommendation": "accept",
        "attachments": [(BytesIO(b"<html><script>"), "x.pdf")]}, content_type="multipart/form-data")
    assert bad.status_code == 200 and "Unsupported file type" in _html(bad)
    assert _fresh(mine.id).status == Status.WITH_SPECIALIST
    good = client.post(f"/admin/referral/research/?id={mine.id}", data={
        "csrf_token": csrf_token(html), "version": str(_fresh(mine.id).version), "mechanism": "field_visit",
        "conducted_on": date.today().isoformat(), "findings": "منزل بالإيجار", "household_situation": "٥ أفراد",
        "recommendation": "accept", "attachments": [(BytesIO(pdf), "تقرير الزيارة.pdf")]},
        content_type="multipart/form-data")
    assert good.status_code == 302
    done = _fresh(mine.id)
    assert done.status == Status.RECEIVED and done.recommendation == "accept"
    [attachment] = done.research[-1].attachments
    assert attachment.original_name == "تقرير الزيارة.pdf"
    download = client.get(f"/admin/application/attachment/?research={done.research[-1].id}&file={attachment.id}")
    assert download.status_code == 200 and download.data == pdf


def test_service_type_with_criteria(app, client, users):
    login(client, users["admin"].email)
    page = client.get("/admin/servicetype/new/")
    html = _html(page)
    assert "income_per_member" in html
    data = {"csrf_token": csrf_token(html), "name_ar": "سلة غذائية", "name_en": "Food basket", "active": "y",
            "decision_period_days": "7", "cooldown_days": "30", "verification_mechanisms": ["field_visit"],
            "criteria-0-field": "income_per_member", "criteria-0-operator": "le", "criteria-0-value": "abc",
            "criteria-0-explanation_ar": "دخل الفرد لا يتجاوز ١٥٠٠", "criteria-0-sort_order": "0"}
    response = client.post("/admin/servicetype/new/", data=data)
    assert "not a number" in _html(response)
    assert db.session.scalar(select(func.count()).select_from(ServiceType)) == 0
    data["criteria-0-value"] = "1500"
    response = client.post("/admin/servicetype/new/", data=data)
    assert response.status_code == 302
    st = db.session.scalars(select(ServiceType)).one()
    assert st.decision_period_days == 7 and st.verification_mechanisms == ["field_visit"]
    assert [(c.field, c.operator, c.value) for c in st.criteria] == [("income_per_member", "le", "1500")]
    login(client, users["officer"].email)
    assert client.get("/admin/servicetype/").status_code == 403


def _committee_ready(users):
    application = f.application()
    sm.verify(application, users["officer"])
    sm.raise_to_committee(application, users["officer"])
    return application


def test_committee_session_over_http(app, client, users):
    from workflow.users import create_user

    db.session.add(OrganisationProfile(id=1, name_ar="جمعية حفظ النعمة بالجوف", licence_no="05057",
                                       phone="0146240000", email="info@example.org"))
    second = create_user("c2@example.org", "عضو ثان", "committee", "correct horse battery")
    application = _committee_ready(users)
    db.session.commit()
    # The admin creates the session and fills the agenda.
    login(client, users["admin"].email)
    html = _html(client.get("/admin/committeesession/new/"))
    response = client.post("/admin/committeesession/new/", data={
        "csrf_token": csrf_token(html), "number": "1447/05", "held_on": "2025-10-05", "place": "مقر الجمعية",
        "members": [users["committee"].id, second.id], "quorum": ""})
    assert response.status_code == 302, _html(response)[:3000]
    session = db.session.scalars(select(CommitteeSession)).one()
    page = _html(client.get(f"/admin/committeesession/details/?id={session.id}"))
    assert application.reference in page and 'id="agenda-add"' in page
    client.post("/admin/committeesession/agenda/add/", data={
        "csrf_token": csrf_token(page), "id": session.id, "application": [application.id]})
    # Only committee users can be members.
    bad = client.post("/admin/committeesession/new/", data={
        "csrf_token": csrf_token(html), "number": "X", "held_on": "2025-10-05", "members": [users["officer"].id]})
    assert bad.status_code == 200 and "invalid-feedback" in _html(bad) or "Not a valid choice" in _html(bad)
    assert db.session.scalar(select(func.count()).select_from(CommitteeSession)) == 1
    # The admin cannot decide.
    login(client, users["admin"].email)
    # A member: presence, then decision needs quorum (2 of 2 for a majority of 2).
    login(client, users["committee"].email)
    page = _html(client.get(f"/admin/committeesession/details/?id={session.id}"))
    token = csrf_token(page)
    client.post("/admin/committeesession/presence/", data={"csrf_token": token, "id": session.id,
                                                            "user": users["committee"].id, "present": "1"})
    item = session.agenda[0]
    decide = {"csrf_token": token, "id": session.id, "item": item.id, f"i{item.id}-item": item.id,
              f"i{item.id}-version": "", f"i{item.id}-outcome": "accept", f"i{item.id}-granted": "سلة غذائية"}
    response = client.post("/admin/committeesession/decide/", data=decide, follow_redirects=True)
    assert "no quorum" in _html(response)
    assert _fresh(application.id).status == Status.AWAITING_COMMITTEE
    # The other member may not mark someone else's presence.
    client.post("/admin/committeesession/presence/", data={"csrf_token": token, "id": session.id,
                                                            "user": second.id, "present": "1"})
    db.session.expire_all()
    assert len(db.session.get(CommitteeSession, session.id).present) == 1
    login(client, second.email)
    token = _token(client, f"/admin/committeesession/details/?id={session.id}")
    client.post("/admin/committeesession/presence/", data={"csrf_token": token, "id": session.id,
                                                            "user": second.id, "present": "1"})
    decide["csrf_token"] = token
    response = client.post("/admin/committeesession/decide/", data=decide, follow_redirects=True)
    assert "Decision recorded" in _html(response)
    assert _fresh(application.id).status == Status.ACCEPTED
    # Close: the decisions are locked.
    response = client.post("/admin/committeesession/close/", data={"csrf_token": token, "id": session.id},
                           follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(CommitteeSession, session.id).status == "closed"
    page = _html(response)
    assert "decision-form" not in page
    # Minutes and letter: Arabic, A4, letterhead, Gregorian + Hijri.
    minutes = _html(client.get(f"/admin/committeesession/minutes/?id={session.id}"))
    assert 'dir="rtl"' in minutes and "size: A4" in minutes and "جمعية حفظ النعمة بالجوف" in minutes
    assert application.reference in minutes and "قبول" in minutes and "حاضر" in minutes
    decision = db.session.scalars(select(Decision)).one()
    letter = _html(client.get(f"/admin/application/letter/?id={decision.id}"))
    assert "05057" in letter and "الموافقة" in letter and "هـ)" in letter and "سلة غذائية" in letter
    # Viewers read the session but have no buttons; officers have no access to sessions.
    login(client, users["viewer"].email)
    assert client.get(f"/admin/committeesession/details/?id={session.id}").status_code == 200
    login(client, users["officer"].email)
    assert client.get(f"/admin/committeesession/details/?id={session.id}").status_code == 403


def test_committee_member_sees_only_own_sessions(app, client, users):
    from workflow.users import create_user

    other = create_user("c2@example.org", "عضو ثان", "committee", "correct horse battery")
    mine = f.session([users["committee"]], number="A-1")
    theirs = f.session([other], number="B-2")
    db.session.commit()
    login(client, users["committee"].email)
    page = _html(client.get("/admin/committeesession/"))
    assert "A-1" in page and "B-2" not in page
    assert client.get(f"/admin/committeesession/details/?id={theirs.id}").status_code in (302, 404)
    token = _token(client)
    response = client.post("/admin/committeesession/presence/", data={"csrf_token": token, "id": theirs.id,
                                                                       "user": users["committee"].id, "present": "1"})
    assert response.status_code == 404
    assert mine.id


@pytest.mark.parametrize("role,url", [("officer", "/admin/application/"), ("specialist", "/admin/referral/"),
                                      ("viewer", "/admin/committeesession/")])
def test_list_queries_do_not_grow_with_rows(app, client, users, role, url):
    def add(n):
        for _ in range(n):
            a = f.application()
            sm.refer_to_specialist(a, users["officer"], users["specialist"], "سبب")
            f.session([users["committee"]], agenda=[])
        db.session.commit()

    add(2)
    login(client, users[role].email)
    few = page_queries(client, url).count
    add(10)
    many = page_queries(client, url).count
    assert many == few, (url, few, many)
