"""Reaching out before being asked (issue 14, part 6): for a service type, the registered
beneficiaries whose recorded data already meets its criteria and who have no open or recent
request for it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.application import Application, Status
from models.beneficiary import Communication, HouseholdMember
from models.branch import Branch
from models.types import utcnow
from tests import factories as f
from tests.conftest import csrf_token
from tests.factories import english  # noqa: F401 (autouse)
from tests.querycount import page_queries
from tests.web.test_branches import _html, login


@pytest.fixture
def service(app):
    """Income at most 4,000 and at least one child; 180 days' cool-down."""
    st = f.service_type("كسوة الشتاء", criteria=[("monthly_income", "le", "4000"), ("children_count", "ge", "1")],
                        cooldown=180)
    db.session.commit()
    return st


def _with_child(b):
    b.household.append(HouseholdMember(name="ابن", relation="son"))
    db.session.flush()
    return b


def test_officer_sees_who_qualifies_and_has_not_asked(app, client, users, service):
    eligible = _with_child(f.beneficiary(monthly_income=2500))
    rich = _with_child(f.beneficiary(monthly_income=9000))
    no_children = f.beneficiary(monthly_income=1000)
    unknown_income = _with_child(f.beneficiary(monthly_income=None))
    already_open = _with_child(f.beneficiary(monthly_income=2000))
    f.application(already_open, service)
    served_recently = _with_child(f.beneficiary(monthly_income=2000))
    recent = f.application(served_recently, service)
    f.force_status(recent, Status.SERVED)
    recent.served_at = utcnow() - timedelta(days=30)
    served_long_ago = _with_child(f.beneficiary(monthly_income=2000))
    old = f.application(served_long_ago, service, received_at=utcnow() - timedelta(days=400))
    f.force_status(old, Status.CLOSED)
    old.served_at = utcnow() - timedelta(days=390)
    db.session.commit()
    login(client, users["officer"].email)
    html = _html(client.get(f"/admin/servicetype/{service.id}/eligible"))
    for listed in (eligible, served_long_ago):
        assert listed.family_name in html
    for left_out in (rich, no_children, unknown_income, already_open, served_recently):
        assert left_out.family_name not in html
    assert 'id="eligible-count">2<' in html
    assert "1 more would be, but data a condition needs is not recorded" in html
    outreach = _html(client.get("/admin/outreach/"))
    assert f"/admin/servicetype/{service.id}/eligible" in outreach and "2 conditions" in outreach


def test_the_list_uses_the_verification_engine(app, users, service):
    """Whoever the list shows passes the same checklist's criteria and cool-down when a request is opened."""
    from workflow.checklist import run_checklist
    from workflow.outreach import eligible_beneficiaries, open_requests

    people = [_with_child(f.beneficiary(monthly_income=m)) for m in (1000, 3999, 4000, 4001)]
    db.session.commit()
    found = eligible_beneficiaries(service)
    assert sorted(b.id for b in found.eligible) == sorted(p.id for p in people[:3])
    opened = open_requests(service, [p.id for p in people], users["officer"])
    db.session.commit()
    assert len(opened) == 3
    for application in opened:
        items = [i for i in run_checklist(application) if i["code"] in ("criterion", "cooldown")]
        assert items and all(i["status"] == "pass" for i in items), items


def test_filter_by_branch_and_city_and_export(app, client, users, service):
    north = Branch(name_ar="فرع طبرجل", city="طبرجل")
    db.session.add(north)
    in_branch = _with_child(f.beneficiary(monthly_income=1000, branch=north, city="طبرجل"))
    head_office = _with_child(f.beneficiary(monthly_income=1000, city="سكاكا"))
    db.session.commit()
    login(client, users["officer"].email)
    by_branch = _html(client.get(f"/admin/servicetype/{service.id}/eligible?branch={north.id}"))
    assert in_branch.family_name in by_branch and head_office.family_name not in by_branch
    by_head_office = _html(client.get(f"/admin/servicetype/{service.id}/eligible?branch=0"))
    assert in_branch.family_name not in by_head_office and head_office.family_name in by_head_office
    by_city = _html(client.get(f"/admin/servicetype/{service.id}/eligible?city=سكاكا"))
    assert in_branch.family_name not in by_city and head_office.family_name in by_city
    export = client.get(f"/admin/servicetype/{service.id}/eligible?export=csv&city=طبرجل")
    text = _html(export)
    assert export.mimetype == "text/csv" and text.startswith("\ufeff")
    assert in_branch.national_id in text and head_office.national_id not in text and "فرع طبرجل" in text


def test_bulk_open_requests_through_the_outreach_channel(app, client, users, service):
    first = _with_child(f.beneficiary(monthly_income=1000))
    second = _with_child(f.beneficiary(monthly_income=1000))
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get(f"/admin/servicetype/{service.id}/eligible")
    response = client.post(f"/admin/servicetype/{service.id}/eligible", data={
        "csrf_token": csrf_token(_html(page)), "step": "open_requests", "rowid": [str(first.id), str(second.id)]},
        follow_redirects=True)
    html = _html(response)
    assert "2 requests opened (channel: outreach)" in html
    opened = db.session.scalars(select(Application)).all()
    assert {a.beneficiary_id for a in opened} == {first.id, second.id}
    assert {a.channel.code for a in opened} == {"outreach"} and {a.status for a in opened} == {Status.RECEIVED}
    assert all(a.created_by_id == users["officer"].id for a in opened)
    # They now have an open request: off the list, and a second click opens nothing more.
    assert first.family_name not in html and 'id="eligible-none"' in html
    again = client.post(f"/admin/servicetype/{service.id}/eligible", data={
        "csrf_token": csrf_token(html), "step": "open_requests", "rowid": [str(first.id)]}, follow_redirects=True)
    assert "no longer eligible" in _html(again)
    assert len(db.session.scalars(select(Application)).all()) == 2


def test_bulk_invitation_is_recorded_as_an_outgoing_communication(app, client, users, service):
    person = _with_child(f.beneficiary(monthly_income=1000))
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get(f"/admin/servicetype/{service.id}/eligible")
    html = _html(client.post(f"/admin/servicetype/{service.id}/eligible", data={
        "csrf_token": csrf_token(_html(page)), "step": "invite", "rowid": [str(person.id)]}, follow_redirects=True))
    assert "1 invitations recorded" in html
    told = db.session.scalars(select(Communication)).one()
    assert told.beneficiary_id == person.id and told.direction == "outgoing" and told.channel.code == "outreach"
    assert "كسوة الشتاء" in told.summary and told.staff_id == users["officer"].id
    assert db.session.scalar(select(Application.id)) is None  # an invitation is not a request


def test_bad_posts_change_nothing(app, client, users, service):
    person = _with_child(f.beneficiary(monthly_income=1000))
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get(f"/admin/servicetype/{service.id}/eligible")
    token = csrf_token(_html(page))
    assert client.post(f"/admin/servicetype/{service.id}/eligible",
                       data={"step": "open_requests", "rowid": [str(person.id)]}).status_code == 400  # no CSRF
    html = _html(client.post(f"/admin/servicetype/{service.id}/eligible",
                             data={"csrf_token": token, "step": "delete_all", "rowid": [str(person.id)]},
                             follow_redirects=True))
    assert "Choose at least one beneficiary and an action." in html
    client.post(f"/admin/servicetype/{service.id}/eligible",
                data={"csrf_token": token, "step": "open_requests", "rowid": ["x; drop", "-1"]})
    assert db.session.scalar(select(Application.id)) is None
    assert client.get("/admin/servicetype/999999/eligible").status_code == 404


@pytest.mark.parametrize("role, allowed", [("admin", True), ("officer", True), ("specialist", False),
                                           ("committee", False), ("viewer", False)])
def test_who_may_reach_out(app, client, users, service, role, allowed):
    person = _with_child(f.beneficiary(monthly_income=1000))
    db.session.commit()
    login(client, users[role].email)
    for url in (f"/admin/servicetype/{service.id}/eligible", f"/admin/servicetype/{service.id}/eligible?export=csv",
                "/admin/outreach/"):
        response = client.get(url)
        assert (response.status_code == 200) is allowed, (role, url, response.status_code)
        if not allowed:
            assert response.status_code == 403 and person.national_id not in _html(response)
    if not allowed:
        token = csrf_token(_html(client.get("/admin/")))
        client.post(f"/admin/servicetype/{service.id}/eligible",
                    data={"csrf_token": token, "step": "open_requests", "rowid": [str(person.id)]})
        assert db.session.scalar(select(Application.id)) is None


def test_scoped_officer_reaches_out_to_their_branch_only(app, client, users, service):
    app.config["BRANCH_SCOPED_ROLES"] = "officer"
    mine, other = Branch(name_ar="فرع أ"), Branch(name_ar="فرع ب")
    db.session.add_all([mine, other])
    users["officer"].branches = [mine]
    ours = _with_child(f.beneficiary(monthly_income=1000, branch=mine))
    theirs = _with_child(f.beneficiary(monthly_income=1000, branch=other))
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get(f"/admin/servicetype/{service.id}/eligible")
    html = _html(page)
    assert ours.family_name in html and theirs.family_name not in html
    assert theirs.national_id not in _html(client.get(f"/admin/servicetype/{service.id}/eligible?export=csv"))
    client.post(f"/admin/servicetype/{service.id}/eligible", data={
        "csrf_token": csrf_token(html), "step": "open_requests", "rowid": [str(theirs.id)]})
    assert db.session.scalar(select(Application.id)) is None


def test_eligible_list_query_count_does_not_grow_with_rows(app, client, users, service):
    login(client, users["officer"].email)
    for _ in range(2):
        _with_child(f.beneficiary(monthly_income=1000))
    db.session.commit()
    url = f"/admin/servicetype/{service.id}/eligible"
    few = page_queries(client, url)
    for _ in range(40):
        _with_child(f.beneficiary(monthly_income=1000, branch=None))
    db.session.commit()
    many = page_queries(client, url)
    assert 'id="eligible-count">42<' in _html(client.get(url))
    assert many.count == few.count, (few, many)
