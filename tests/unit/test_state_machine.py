"""The state machine, exhaustively: every state × every action × every role.

Allowed exactly when the table says so; when refused, nothing changed
(status, version, timeline events, communications, decisions).
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from extensions import db
from models.application import Application, ApplicationEvent, Research, Status
from models.beneficiary import Communication
from models.committee import Decision
from tests import factories as f
from tests.factories import english  # noqa: F401 (autouse)
from workflow import state_machine as sm
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed, WorkflowError
from workflow.roles import Role

ROLES = [r.value for r in Role]

EXPECTED_TARGET = {
    "verify": Status.VERIFIED,
    "mark_incomplete": Status.INCOMPLETE,
    "supply": Status.RECEIVED,
    "refer_to_specialist": Status.WITH_SPECIALIST,
    "submit_research": Status.RECEIVED,
    "raise_to_committee": Status.AWAITING_COMMITTEE,
    "decide": Status.ACCEPTED,
    "deliver": Status.SERVED,
    "close": Status.CLOSED,
    "withdraw": Status.WITHDRAWN,
}

# The table of DESIGN.md §3, written out independently of the module under test.
ALLOWED_FROM = {
    "verify": {"received"},
    "mark_incomplete": {"received", "verified"},
    "supply": {"incomplete"},
    "refer_to_specialist": {"received", "verified"},
    "submit_research": {"with_specialist"},
    "raise_to_committee": {"verified"},
    "decide": {"awaiting_committee"},
    "deliver": {"accepted"},
    "close": {"served", "rejected"},
    "withdraw": {"received", "incomplete", "with_specialist", "verified", "awaiting_committee", "accepted"},
}
ALLOWED_ROLES = {
    "submit_research": {"specialist"},
    "decide": {"committee"},
}


def _count(model, **where):
    q = select(func.count()).select_from(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    return db.session.scalar(q)


def _snapshot(app):
    db.session.refresh(app)
    return (app.status, app.version, list(app.missing_items or []), app.recommendation,
            _count(ApplicationEvent, application_id=app.id), _count(Communication, application_id=app.id),
            _count(Decision, application_id=app.id),
            _count(Research, application_id=app.id), app.assigned_specialist_id)


def _prepare(action, app, actor, users):
    """Inputs that make the action's own guards pass, so only role and status decide."""
    if action == "mark_incomplete":
        return lambda: sm.mark_incomplete(app, actor, ["صورة الهوية"])
    if action == "refer_to_specialist":
        return lambda: sm.refer_to_specialist(app, actor, users["specialist"], "زيارة ميدانية لازمة")
    if action == "submit_research":
        db.session.add(Research(application=app, specialist_id=actor.id, referral_reason="r"))
        app.assigned_specialist_id = actor.id
        db.session.flush()
        return lambda: sm.submit_research(app, actor, mechanism="field_visit", conducted_on=date.today(),
                                          findings="الأسرة محتاجة", recommendation="accept")
    if action == "decide":
        session = f.session([actor], present=[actor], agenda=[app])
        return lambda: sm.decide(app, actor, session, "accept", granted="سلة غذائية")
    if action == "withdraw":
        return lambda: sm.withdraw(app, actor, "بطلب المستفيد")
    fn = getattr(sm, action)
    return lambda: fn(app, actor)


@pytest.mark.parametrize("action", sorted(sm.TRANSITIONS))
def test_every_state_and_role_for_action(app, users, action):
    st = f.service_type()
    checked = 0
    for status in Status.ALL:
        for role in ROLES:
            actor = users[role]
            application = f.application(st=st)
            f.force_status(application, status)
            call = _prepare(action, application, actor, users)
            before = _snapshot(application)
            allowed = status in ALLOWED_FROM[action] and role in ALLOWED_ROLES.get(action, {"admin", "officer"})
            if allowed:
                call()
                db.session.commit()
                db.session.refresh(application)
                assert application.status == EXPECTED_TARGET[action], (action, status, role)
                assert application.version == before[1] + 1
                assert _count(ApplicationEvent, application_id=application.id) == before[4] + 1
                last = db.session.scalars(select(ApplicationEvent).where(
                    ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id.desc())).first()
                assert (last.from_status, last.to_status, last.user_id) == (status, application.status, actor.id)
            else:
                with pytest.raises(WorkflowError) as info:
                    call()
                expected_error = NotAllowed if role not in ALLOWED_ROLES.get(action, {"admin", "officer"}) \
                    else IllegalTransition
                assert isinstance(info.value, expected_error), (action, status, role, info.value)
                assert str(info.value)  # a message a person can read
                db.session.commit()
                assert _snapshot(application) == before, (action, status, role)
            checked += 1
    assert checked == len(Status.ALL) * len(ROLES)


def test_table_matches_design():
    for action, transition in sm.TRANSITIONS.items():
        assert set(transition.sources) == ALLOWED_FROM[action], action
        assert {r.value for r in transition.roles} == ALLOWED_ROLES.get(action, {"admin", "officer"}), action


def test_full_life_with_notifications(app, users):
    officer, specialist, member = users["officer"], users["specialist"], users["committee"]
    application = f.application(actor=officer)
    sm.mark_incomplete(application, officer, ["صورة الهوية سارية"])
    comm = db.session.scalars(select(Communication).where(Communication.application_id == application.id)
                              .order_by(Communication.id.desc())).first()
    assert "يحتاج إلى استكمال" in comm.subject and "صورة الهوية سارية" in comm.summary
    assert comm.direction == "outgoing"
    assert application.missing_items == ["صورة الهوية سارية"]
    sm.supply(application, officer)
    assert application.missing_items == []
    sm.refer_to_specialist(application, officer, specialist, "التحقق من الوضع السكني")
    sm.submit_research(application, specialist, mechanism="field_visit", conducted_on=date.today(),
                       findings="منزل مستأجر", household_situation="خمسة أفراد", recommendation="accept")
    assert application.status == Status.RECEIVED and application.recommendation == "accept"
    sm.verify(application, officer)
    sm.raise_to_committee(application, officer)
    session = f.session([member], present=[member], agenda=[application])
    sm.decide(application, member, session, "defer", reason="استكمال الدراسة")
    assert application.status == Status.AWAITING_COMMITTEE
    sm.decide(application, member, session, "accept", granted="سلة غذائية شهرية")
    assert application.status == Status.ACCEPTED and application.decided_at is not None
    sm.deliver(application, officer)
    sm.close(application, officer)
    db.session.commit()
    actions = [e.action for e in application.events]
    assert actions == ["receive", "mark_incomplete", "supply", "refer_to_specialist", "submit_research", "verify",
                       "raise_to_committee", "defer", "accept", "deliver", "close"]
    subjects = [c.subject for c in db.session.scalars(select(Communication).where(
        Communication.application_id == application.id).order_by(Communication.id))]
    # Received, incomplete, the research appointment, deferred, accepted, delivered, and the survey.
    assert len(subjects) == 7
    assert "استلام" in subjects[0] and "استكمال" in subjects[1] and "البحث الاجتماعي" in subjects[2]
    assert "تأجيل" in subjects[3] and "الموافقة" in subjects[4] and "تسليم" in subjects[5] and "REQ-" in subjects[6]
    from models.outbox import OutboxMessage

    events = list(db.session.scalars(select(OutboxMessage.event).where(
        OutboxMessage.application_id == application.id).order_by(OutboxMessage.id)))
    assert events == ["received", "incomplete", "research_appointment", "decision_defer", "decision_accept",
                      "service_ready", "survey"]


def test_research_returns_to_verified_when_referred_from_verified(app, users):
    officer, specialist = users["officer"], users["specialist"]
    application = f.application()
    sm.verify(application, officer)
    sm.refer_to_specialist(application, officer, specialist, "مقابلة شخصية")
    sm.submit_research(application, specialist, mechanism="interview", conducted_on=date.today(),
                       findings="ok", recommendation="reject")
    assert application.status == Status.VERIFIED
    assert application.recommendation == "reject"


def test_input_guards_change_nothing(app, users):
    officer, specialist = users["officer"], users["specialist"]
    application = f.application()
    before = _snapshot(application)
    with pytest.raises(InvalidInput):
        sm.withdraw(application, officer, "   ")
    with pytest.raises(InvalidInput):
        sm.mark_incomplete(application, officer, ["", "  "])
    with pytest.raises(InvalidInput):
        sm.refer_to_specialist(application, officer, users["viewer"], "سبب")
    with pytest.raises(InvalidInput):
        sm.refer_to_specialist(application, officer, specialist, "")
    assert _snapshot(application) == before


def test_only_the_assigned_specialist_reports(app, users):
    from workflow.users import create_user

    other = create_user("s2@example.org", "أخصائي آخر", "specialist", "correct horse battery")
    application = f.application()
    sm.refer_to_specialist(application, users["officer"], users["specialist"], "سبب")
    db.session.commit()
    before = _snapshot(application)
    with pytest.raises(NotAllowed):
        sm.submit_research(application, other, mechanism="interview", conducted_on=date.today(),
                           findings="x", recommendation="accept")
    future = date.today().replace(year=date.today().year + 1)
    with pytest.raises(InvalidInput):
        sm.submit_research(application, users["specialist"], mechanism="interview", conducted_on=future,
                           findings="x", recommendation="accept")
    with pytest.raises(InvalidInput):
        sm.submit_research(application, users["specialist"], mechanism="telepathy", conducted_on=date.today(),
                           findings="x", recommendation="accept")
    assert _snapshot(application) == before


def test_raise_requires_the_mechanisms_the_service_needs(app, users):
    officer = users["officer"]
    st = f.service_type(mechanisms=["administrative_review", "field_visit"])
    application = f.application(st=st)
    sm.verify(application, officer)
    with pytest.raises(IllegalTransition) as info:
        sm.raise_to_committee(application, officer)
    assert "specialist" in str(info.value)
    sm.refer_to_specialist(application, officer, users["specialist"], "زيارة")
    sm.submit_research(application, users["specialist"], mechanism="field_visit", conducted_on=date.today(),
                       findings="تمت الزيارة", recommendation="accept")
    sm.raise_to_committee(application, officer)
    assert application.status == Status.AWAITING_COMMITTEE


def test_verify_refuses_with_the_checklist_and_changes_nothing(app, users):
    application = f.application(signed=False)
    before = _snapshot(application)
    with pytest.raises(sm.ChecklistFailed) as info:
        sm.verify(application, users["officer"])
    assert any(i["code"] == "declaration" and i["status"] == "fail" for i in info.value.items)
    assert _snapshot(application) == before
    assert application.checklist == []


def test_available_actions_follow_role_and_status(app, users):
    application = f.application()
    names = {t.action for t in sm.available_actions(application, users["officer"])}
    assert names == {"verify", "mark_incomplete", "refer_to_specialist", "withdraw"}
    assert sm.available_actions(application, users["viewer"]) == []
    assert sm.available_actions(application, users["committee"]) == []
