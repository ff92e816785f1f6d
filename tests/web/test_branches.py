"""Branch offices (issue 14, part 1): the screen, staff users' branches, the receiving branch of
requests, and BRANCH_SCOPED_ROLES enforced on every endpoint that shows a record."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from extensions import db
from models.application import Application
from models.beneficiary import Communication, Direction
from models.branch import Branch, BranchRepresentative
from tests import factories as f
from tests.conftest import csrf_token
from tests.conftest import login as _login
from tests.factories import english  # noqa: F401 (autouse)
from tests.registry_helpers import png_bytes
from workflow.storage import save_bytes


def _html(response) -> str:
    return response.get_data(as_text=True)


def login(client, email):
    """Sign in (signing out whoever was) and read the pages in English (assertions use the msgids)."""
    home = client.get("/admin/")
    if home.status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
    response = _login(client, email)
    client.get("/admin/?lang=en")
    return response


def _branch(name: str, city: str) -> Branch:
    branch = Branch(name_ar=name, name_en="", city=city, region="الجوف", phone="0146240000")
    db.session.add(branch)
    db.session.flush()
    return branch


@pytest.fixture
def world(app, users):
    """Two branches; an officer and a specialist at branch A; a beneficiary, request, contact and
    document file at each branch."""
    a, b = _branch("فرع سكاكا", "سكاكا"), _branch("فرع دومة الجندل", "دومة الجندل")
    users["officer"].branches = [a]
    users["specialist"].branches = [a]
    st = f.service_type()
    rows = {}
    for key, branch in (("a", a), ("b", b)):
        person = f.beneficiary(branch=branch, city=branch.city)
        request = f.application(person, st)
        request.branch = branch
        request.assigned_specialist_id = users["specialist"].id
        stored = save_bytes(png_bytes(), f"id-{key}.png")
        f.document(person, f.document_type()).file = stored
        db.session.add(Communication(beneficiary=person, branch=branch, direction=Direction.INCOMING,
                                     subject=f"اتصال {key}", staff_id=users["admin"].id))
        rows[key] = {"person": person, "request": request, "file": stored}
    db.session.commit()
    return {"branch_a": a, "branch_b": b, "st": st, **rows}


@pytest.fixture
def scoped(app):
    app.config["BRANCH_SCOPED_ROLES"] = "officer,specialist"
    return app


def test_admin_configures_a_branch_with_its_representatives(app, client, users):
    login(client, users["admin"].email)
    page = client.get("/admin/branch/new/")
    assert page.status_code == 200
    response = client.post("/admin/branch/new/", data={
        "csrf_token": csrf_token(_html(page)), "name_ar": "فرع طبرجل", "name_en": "Tabarjal", "city": "طبرجل",
        "region": "الجوف", "phone": "0146250000", "email": "tabarjal@example.org", "address": "", "active": "y",
        "representatives-0-full_name": "سعد الشمري", "representatives-0-phone": "0551234567",
        "representatives-0-active": "y"}, follow_redirects=True)
    assert response.status_code == 200
    branch = db.session.scalars(select(Branch)).one()
    assert branch.city == "طبرجل" and [r.full_name for r in branch.representatives] == ["سعد الشمري"]
    assert branch.representatives[0].phone == "+966551234567"
    assert "فرع طبرجل" in _html(client.get("/admin/branch/"))


def test_a_branch_needs_its_arabic_name_and_valid_representative_mobiles(app, client, users):
    login(client, users["admin"].email)
    page = client.get("/admin/branch/new/")
    response = client.post("/admin/branch/new/", data={
        "csrf_token": csrf_token(_html(page)), "name_ar": " ", "city": "طبرجل", "active": "y",
        "representatives-0-full_name": "سعد", "representatives-0-phone": "12345"})
    html = _html(response)
    assert response.status_code == 200
    assert "The Arabic name is required." in html and "valid Saudi mobile" in html
    assert 'value="طبرجل"' in html  # what was typed is kept
    assert db.session.scalar(select(Branch.id)) is None


@pytest.mark.parametrize("role", ["officer", "specialist", "committee", "viewer"])
def test_only_admins_change_branches(app, client, users, role):
    login(client, users[role].email)
    assert client.get("/admin/branch/").status_code == 200  # contact points: every role reads
    assert client.get("/admin/branch/new/").status_code == 403


def test_admin_puts_a_user_in_branches(app, client, users, world):
    login(client, users["admin"].email)
    viewer = users["viewer"]
    page = client.get(f"/admin/user/edit/?id={viewer.id}")
    assert "فرع سكاكا" in _html(page)
    client.post(f"/admin/user/edit/?id={viewer.id}", data={
        "csrf_token": csrf_token(_html(page)), "full_name": viewer.full_name, "email": viewer.email,
        "role": "viewer", "branches": [str(world["branch_a"].id), str(world["branch_b"].id)], "active": "y"})
    db.session.expire_all()
    assert sorted(b.name_ar for b in db.session.get(type(viewer), viewer.id).branches) == ["فرع دومة الجندل",
                                                                                          "فرع سكاكا"]
    assert "Head office" in _html(client.get("/admin/user/"))  # the others work at head office


# --- the scope, endpoint by endpoint ----------------------------------------------------------
def test_scoped_officer_sees_only_their_branch_on_every_endpoint(scoped, client, users, world):
    login(client, users["officer"].email)
    person_a, person_b = world["a"]["person"], world["b"]["person"]
    request_a, request_b = world["a"]["request"], world["b"]["request"]
    # lists and counts
    listing = _html(client.get("/admin/beneficiary/"))
    assert person_a.family_name in listing and person_b.family_name not in listing
    requests = _html(client.get("/admin/application/"))
    assert request_a.reference in requests and request_b.reference not in requests
    contacts = _html(client.get("/admin/communication/"))
    assert "اتصال a" in contacts and "اتصال b" not in contacts
    documents = _html(client.get("/admin/document/"))
    assert person_a.family_name in documents and person_b.family_name not in documents
    # details and edits of the other branch's records are not found
    for url in (f"/admin/beneficiary/details/?id={person_b.id}", f"/admin/application/details/?id={request_b.id}",
                f"/admin/beneficiary/edit/?id={person_b.id}", f"/admin/application/edit/?id={request_b.id}",
                f"/admin/beneficiary/{person_b.id}/declaration.print"):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert person_b.family_name not in _html(response), url
    assert client.get(f"/admin/beneficiary/details/?id={person_a.id}").status_code == 200
    # exports
    export = _html(client.get("/admin/beneficiary/export/csv/"))
    assert person_a.national_id in export and person_b.national_id not in export
    export = _html(client.get("/admin/application/export/csv/"))
    assert request_a.reference in export and request_b.reference not in export
    # form look-ups, and a form posted with an id found elsewhere
    page = client.get("/admin/application/new/")
    token = csrf_token(_html(page))
    for person, found in ((person_a, True), (person_b, False)):
        answer = client.post("/admin/application/ajax/lookup/", data={"name": "beneficiary",
                                                                      "query": person.national_id},
                             headers={"X-CSRFToken": token})
        assert (len(json.loads(_html(answer))) == 1) is found
    response = client.post("/admin/application/new/", data={
        "csrf_token": token, "beneficiary": person_b.id, "service_type": world["st"].id, "description": "x"})
    assert "Choose the beneficiary." in _html(response)
    assert db.session.scalar(select(Application).where(Application.beneficiary_id == person_b.id,
                                                       Application.id != request_b.id)) is None
    prefilled = _html(client.get(f"/admin/communication/new/?beneficiary_id={person_b.id}"))
    assert not re.search(rf'id="beneficiary"[^>]*value="{person_b.id}"', prefilled)
    prefilled = _html(client.get(f"/admin/communication/new/?beneficiary_id={person_a.id}"))
    assert re.search(rf'id="beneficiary"[^>]*value="{person_a.id}"', prefilled)
    # bulk actions act only on what the role can see
    client.post("/admin/application/action/", data={"csrf_token": token, "action": "verify",
                                                    "rowid": [str(request_b.id)]})
    db.session.refresh(request_b)
    assert request_b.status == "received"
    # files
    assert client.get(f"/admin/file/{world['a']['file'].id}").status_code == 200
    assert client.get(f"/admin/file/{world['b']['file'].id}").status_code == 403
    # dashboard lists and reports count the branch only
    open_list = _html(client.get("/admin/dashboard/list/open"))
    assert request_a.reference in open_list and request_b.reference not in open_list
    report = _html(client.get("/admin/reports/?date_from=2000-01-01&date_to=2100-01-01"))
    assert 'id="requests-total">1<' in report


def test_scoped_specialist_sees_only_their_branch(scoped, client, users, world):
    login(client, users["specialist"].email)
    requests = _html(client.get("/admin/application/"))
    assert world["a"]["request"].reference in requests and world["b"]["request"].reference not in requests
    assert client.get(f"/admin/application/details/?id={world['b']['request'].id}").status_code in (302, 404)


def test_head_office_and_unscoped_roles_see_every_branch(scoped, client, users, world):
    login(client, users["viewer"].email)  # viewers are not in BRANCH_SCOPED_ROLES
    listing = _html(client.get("/admin/beneficiary/"))
    assert world["a"]["person"].family_name in listing and world["b"]["person"].family_name in listing
    users["officer"].branches = []  # head office
    db.session.commit()
    login(client, users["officer"].email)
    requests = _html(client.get("/admin/application/"))
    assert world["a"]["request"].reference in requests and world["b"]["request"].reference in requests


def test_without_the_option_branch_staff_see_everything(app, client, users, world):
    login(client, users["officer"].email)
    requests = _html(client.get("/admin/application/"))
    assert world["a"]["request"].reference in requests and world["b"]["request"].reference in requests
    assert client.get(f"/admin/file/{world['b']['file'].id}").status_code == 200


def test_lists_filter_by_branch(app, client, users, world):
    login(client, users["admin"].email)
    page = _html(client.get("/admin/application/"))
    assert "فرع دومة الجندل" in page  # the column and the filter's options
    index = next(i for i, flt in enumerate(client.application.extensions["admin"][0]._views
                                           ) if getattr(flt, "endpoint", "") == "application")
    view = client.application.extensions["admin"][0]._views[index]
    with client.application.test_request_context():
        position = next(i for i, flt in enumerate(view._filters) if str(flt.name) == "Branch")
    filtered = _html(client.get(f"/admin/application/?flt0_{position}={world['branch_b'].id}"))
    assert world["b"]["request"].reference in filtered and world["a"]["request"].reference not in filtered
    head_office = _html(client.get(f"/admin/application/?flt0_{position}=0"))
    assert world["a"]["request"].reference not in head_office and world["b"]["request"].reference not in head_office


# --- receiving branch ---------------------------------------------------------------------------
def test_new_request_defaults_to_the_officers_branch(app, client, users, world):
    person = f.beneficiary()  # head office beneficiary
    db.session.commit()
    login(client, users["officer"].email)
    page = client.get("/admin/application/new/")
    html = _html(page)
    assert f'<option selected value="{world["branch_a"].id}">' in html or f'value="{world["branch_a"].id}" selected' in html
    client.post("/admin/application/new/", data={
        "csrf_token": csrf_token(html), "beneficiary": person.id, "service_type": world["st"].id,
        "branch": str(world["branch_a"].id), "description": ""})
    created = db.session.scalar(select(Application).where(Application.beneficiary_id == person.id))
    assert created.branch_id == world["branch_a"].id


def test_branch_representative_registers_a_request_on_a_beneficiarys_behalf(app, client, users, world):
    rep = BranchRepresentative(branch=world["branch_b"], full_name="مندوب دومة الجندل", phone="+966551112222")
    db.session.add(rep)
    person = f.beneficiary()
    db.session.commit()
    login(client, users["admin"].email)  # head office: no branch of their own
    page = client.get("/admin/application/new/")
    assert "مندوب دومة الجندل" in _html(page)
    client.post("/admin/application/new/", data={
        "csrf_token": csrf_token(_html(page)), "beneficiary": person.id, "service_type": world["st"].id,
        "representative": str(rep.id), "description": "أحضره المندوب"})
    created = db.session.scalar(select(Application).where(Application.beneficiary_id == person.id))
    assert created.representative_id == rep.id and created.branch_id == world["branch_b"].id
    assert created.channel.code == "branch_offices"
    details = _html(client.get(f"/admin/application/details/?id={created.id}"))
    assert "مندوب دومة الجندل" in details and "فرع دومة الجندل" in details


def test_scoped_officer_must_record_against_their_own_branch(scoped, client, users, world):
    login(client, users["officer"].email)
    page = client.get("/admin/beneficiary/new/")
    html = _html(page)
    assert "فرع سكاكا" in html and "فرع دومة الجندل" not in html
    assert "Head office" not in html.split('id="branch"')[1].split("</select>")[0]


# --- reports, dashboard, policy page --------------------------------------------------------------
def test_reports_and_dashboard_split_by_branch(app, client, users, world):
    login(client, users["admin"].email)
    report = _html(client.get("/admin/reports/?date_from=2000-01-01&date_to=2100-01-01"))
    assert 'id="report-branches"' in report and "فرع سكاكا" in report and "فرع دومة الجندل" in report
    only_b = _html(client.get(f"/admin/reports/?date_from=2000-01-01&date_to=2100-01-01&branch={world['branch_b'].id}"))
    assert 'id="requests-total">1<' in only_b
    export = _html(client.get("/admin/reports/export/branches.csv?date_from=2000-01-01&date_to=2100-01-01"))
    assert "فرع سكاكا" in export
    home = _html(client.get("/admin/"))
    assert 'id="dash-by-branch"' in home and "فرع سكاكا 1" in home


def test_policy_page_lists_branches_as_contact_points_when_the_policy_has_branches(app, client, world):
    from workflow.policy_templates import apply_template

    apply_template("food_preservation")  # policy 000 names branch-office representatives
    world["branch_b"].active = False
    db.session.commit()
    html = _html(client.get("/policy"))
    assert 'id="policy-branches"' in html and "فرع سكاكا" in html and "0146240000" in html
    assert "فرع دومة الجندل" not in html  # inactive
    apply_template("child_development")  # policy 003 has no branches
    db.session.commit()
    assert 'id="policy-branches"' not in _html(client.get("/policy"))


def test_branch_and_request_lists_query_counts_do_not_grow_with_rows(app, client, users):
    from tests.querycount import page_queries

    login(client, users["admin"].email)
    st = f.service_type()

    def add(n, start):
        for i in range(start, start + n):
            branch = _branch(f"فرع {i}", "سكاكا")
            branch.representatives.append(BranchRepresentative(full_name=f"مندوب {i}"))
            request = f.application(f.beneficiary(branch=branch), st)
            request.branch = branch
        db.session.commit()

    add(2, 0)
    few = [page_queries(client, url) for url in ("/admin/branch/", "/admin/application/", "/admin/user/")]
    add(20, 2)
    many = [page_queries(client, url) for url in ("/admin/branch/", "/admin/application/", "/admin/user/")]
    assert [q.count for q in many] == [q.count for q in few], (few, many)
