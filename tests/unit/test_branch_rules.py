"""The rules of issue 14: branch scope, receiving branch, applicants, cool-down in bulk, outreach."""
from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models.application import Status
from models.beneficiary import Beneficiary, HouseholdMember
from models.branch import Branch, BranchRepresentative
from models.types import utcnow
from tests import factories as f
from tests.factories import english  # noqa: F401 (autouse)
from workflow.applicants import check_applicant, check_execution
from workflow.applications import recent_requests
from workflow.branches import receiving_branch, scope_clause, scoped_roles, visible_branch_ids
from workflow.checklist import run_checklist
from workflow.outreach import eligible_beneficiaries


def _branches(*names):
    rows = [Branch(name_ar=n) for n in names]
    db.session.add_all(rows)
    db.session.flush()
    return rows


# --- scope -------------------------------------------------------------------------------------
def test_scoped_roles_come_from_the_configuration(app):
    assert scoped_roles() == frozenset()
    app.config["BRANCH_SCOPED_ROLES"] = " Officer ، specialist,"
    assert scoped_roles() == {"officer", "specialist"}
    app.config["BRANCH_SCOPED_ROLES"] = ["officer"]
    assert scoped_roles() == {"officer"}


def test_who_is_kept_to_their_branches(app, users):
    a, b = _branches("أ", "ب")
    officer, viewer = users["officer"], users["viewer"]
    officer.branches = [b, a]
    viewer.branches = [a]
    app.config["BRANCH_SCOPED_ROLES"] = "officer"
    assert visible_branch_ids(officer) == sorted([a.id, b.id])
    assert visible_branch_ids(viewer) is None  # role not scoped
    officer.branches = []
    assert visible_branch_ids(officer) is None  # head office sees all


def test_scope_reaches_records_through_their_owner(app):
    a, b = _branches("أ", "ب")
    mine = f.beneficiary(branch=a)
    theirs = f.beneficiary(branch=b)
    nobody = f.beneficiary()  # head office: not any branch's
    mine.household.append(HouseholdMember(name="ابن", relation="son"))
    theirs.household.append(HouseholdMember(name="ابن", relation="son"))
    db.session.flush()
    seen = db.session.scalars(db.select(Beneficiary.id).where(scope_clause(Beneficiary, [a.id]))).all()
    assert seen == [mine.id]
    members = db.session.scalars(db.select(HouseholdMember.beneficiary_id)
                                 .where(scope_clause(HouseholdMember, [a.id]))).all()
    assert members == [mine.id]
    assert db.session.scalars(db.select(Beneficiary.id).where(scope_clause(Beneficiary, []))).all() == []
    assert nobody.id not in seen


def test_receiving_branch_order(app, users):
    a, b, c = _branches("أ", "ب", "ج")
    rep = BranchRepresentative(branch=c, full_name="مندوب")
    db.session.add(rep)
    person = f.beneficiary(branch=b)
    officer = users["officer"]
    officer.branches = [a]
    assert receiving_branch(officer, rep, b, person) is c  # the representative's
    assert receiving_branch(officer, None, b, person) is b  # chosen on the form
    assert receiving_branch(officer, None, None, person) is a  # the officer's own
    officer.branches = [a, b]  # several: no guess
    assert receiving_branch(officer, None, None, person) is b  # the beneficiary's
    a.active = False
    officer.branches = [a]
    assert receiving_branch(officer, None, None, None) is None


# --- applicants --------------------------------------------------------------------------------
def test_person_needs_a_beneficiary_community_needs_its_contact():
    assert "beneficiary" in check_applicant("person", None).problems
    assert check_applicant("person", object()).ok
    result = check_applicant("organisation", None, "وزارة", "أحمد", "٠٥٥١٢٣٤٥٦٧", "", "٣٠")
    assert result.ok and result.contact_phone == "+966551234567" and result.expected_beneficiaries == 30
    assert set(check_applicant("group", None, "", "", "0112345678", "", "0").problems) == {
        "applicant_name", "contact_name", "contact_phone", "expected_beneficiaries"}
    assert "applicant_kind" in check_applicant("company", None).problems


def test_execution_needs_acceptance_order_and_a_responsible_person(app, users):
    application = f.application()
    day = utcnow().date()
    assert check_execution(application, day, day, users["officer"])  # not accepted yet
    f.force_status(application, Status.ACCEPTED)
    assert check_execution(application, day, day + timedelta(days=3), users["officer"]) == []
    assert len(check_execution(application, day, day - timedelta(days=1), None)) == 2
    users["officer"].active = False
    assert check_execution(application, None, None, users["officer"])


def test_checklist_for_a_group_has_no_national_id_but_the_contact(app, users):
    from workflow.applicants import check_applicant
    from workflow.applications import receive_application

    applicant = check_applicant("organisation", None, "جمعية البر", "سعد", "0551234567", "", 50)
    application = receive_application(None, f.service_type(), actor=users["officer"], applicant=applicant)
    items = {i["code"]: i["status"] for i in run_checklist(application)}
    assert items == {"applicant": "pass", "contact_person": "pass", "expected_beneficiaries": "pass",
                     "registration_no": "warning"}
    application.contact_phone = "123"
    assert {i["code"]: i["status"] for i in run_checklist(application)}["contact_person"] == "fail"


# --- cool-down in bulk and outreach --------------------------------------------------------------
def test_recent_requests_is_the_checklists_cool_down(app):
    st = f.service_type(cooldown=90)
    people = [f.beneficiary() for _ in range(3)]
    recent = f.application(people[0], st)
    f.force_status(recent, Status.SERVED)
    recent.served_at = utcnow() - timedelta(days=10)
    old = f.application(people[1], st, received_at=utcnow() - timedelta(days=200))
    f.force_status(old, Status.CLOSED)
    old.served_at = utcnow() - timedelta(days=150)
    pending = f.application(people[2], st)  # received, not accepted: not a cool-down
    db.session.flush()
    found = recent_requests(st, [p.id for p in people], utcnow().date())
    assert set(found) == {people[0].id}
    for person, application, expected in ((people[0], f.application(people[0], st), "fail"),
                                          (people[1], f.application(people[1], st), "pass")):
        cooldown = next(i for i in run_checklist(application) if i["code"] == "cooldown")
        assert cooldown["status"] == expected
    assert pending.status == Status.RECEIVED


def test_outreach_leaves_out_anonymised_and_open_requests(app):
    st = f.service_type(criteria=[("city", "eq", "سكاكا")])
    listed = f.beneficiary(city="سكاكا")
    elsewhere = f.beneficiary(city="القريات")
    anonymised = f.beneficiary(city="سكاكا")
    anonymised.anonymised_at = utcnow()
    withdrawn = f.beneficiary(city="سكاكا")
    earlier = f.application(withdrawn, st)
    f.force_status(earlier, Status.WITHDRAWN)  # not open: may be reached again
    db.session.flush()
    found = eligible_beneficiaries(st)
    assert {b.id for b in found.eligible} == {listed.id, withdrawn.id}
    assert elsewhere.id not in {b.id for b in found.eligible} and found.checked == 3


# --- policy templates ----------------------------------------------------------------------------
@pytest.mark.parametrize("key, branches, community", [
    ("food_preservation", True, False),  # 000: «مناديب المكاتب الفرعية»
    ("dawa", False, True),  # 001: programme / project requests from the community
    ("health_care", True, False),  # 002: the association's branches and offices
    ("child_development", False, False),  # 003
    ("endowment", True, False),  # 004
])
def test_each_template_turns_on_what_its_policy_names(app, key, branches, community):
    from workflow.policy_templates import apply_template, feature_on, get_template

    template = get_template(key)
    assert ("branch_offices" in [c["code"] for c in template["channels"]]) is branches
    apply_template(key)
    assert feature_on("branches") is branches and feature_on("community_requests") is community
    assert feature_on("outreach")


def test_an_organisations_request_is_followed_with_its_contacts_mobile(app, users):
    from workflow.applications import receive_application
    from workflow.online_requests import find_for_status

    applicant = check_applicant("organisation", None, "جمعية البر", "سعد", "0551234567", "", 50)
    application = receive_application(None, f.service_type(), actor=users["officer"], applicant=applicant)
    db.session.commit()
    assert find_for_status(application.reference, "4567") == application
    assert find_for_status(application.reference, "0000") is None
