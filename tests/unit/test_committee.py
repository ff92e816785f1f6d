"""Committee sessions: quorum, presence, agenda, defer, locked sessions."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.application import Status
from models.beneficiary import Communication
from models.committee import Decision
from tests import factories as f
from tests.factories import english  # noqa: F401 (autouse)
from workflow import committee as cr
from workflow import state_machine as sm
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed
from workflow.users import create_user

PW = "correct horse battery"


@pytest.fixture
def members(app, users):
    return [users["committee"]] + [create_user(f"c{i}@example.org", f"عضو {i}", "committee", PW) for i in (2, 3)]


def _awaiting(users):
    application = f.application()
    sm.verify(application, users["officer"])
    sm.raise_to_committee(application, users["officer"])
    return application


def _decisions(application):
    return db.session.scalar(select(func.count()).select_from(Decision).where(Decision.application_id == application.id))


def test_majority_quorum(app, users, members):
    application = _awaiting(users)
    session = f.session(members, present=[members[0]], agenda=[application])
    assert cr.required_quorum(session) == 2 and not cr.has_quorum(session)
    with pytest.raises(IllegalTransition) as info:
        sm.decide(application, members[0], session, "accept")
    assert "quorum" in str(info.value)
    assert application.status == Status.AWAITING_COMMITTEE and _decisions(application) == 0
    cr.set_presence(session, members[1], True, members[1])
    assert cr.has_quorum(session)
    sm.decide(application, members[1], session, "accept", granted="١٠٠٠ ريال")
    assert application.status == Status.ACCEPTED


def test_explicit_quorum_and_setup_rules(app, users, members):
    with pytest.raises(InvalidInput):
        cr.check_session_setup([], None)
    with pytest.raises(InvalidInput):
        cr.check_session_setup([users["officer"]], None)
    with pytest.raises(InvalidInput):
        cr.check_session_setup(members, 4)
    cr.check_session_setup(members, 3)
    session = f.session(members, present=members[:2], quorum=3)
    assert not cr.has_quorum(session)


def test_only_present_members_of_this_session_decide(app, users, members):
    application = _awaiting(users)
    outsider = create_user("c9@example.org", "عضو خارج الجلسة", "committee", PW)
    session = f.session(members[:2], present=members[:2], agenda=[application])
    with pytest.raises(NotAllowed):
        sm.decide(application, outsider, session, "accept")
    absent_session = f.session(members, present=members[:2])
    with pytest.raises(NotAllowed):
        sm.decide(application, members[2], absent_session, "accept")
    # Quorate, present, but the request is not on this session's agenda.
    with pytest.raises(IllegalTransition):
        sm.decide(application, members[0], absent_session, "accept")
    assert _decisions(application) == 0


def test_reason_required_to_reject_or_defer(app, users, members):
    application = _awaiting(users)
    session = f.session(members, present=members, agenda=[application])
    for outcome in ("reject", "defer"):
        with pytest.raises(InvalidInput):
            sm.decide(application, members[0], session, outcome, reason=" ")
    with pytest.raises(InvalidInput):
        sm.decide(application, members[0], session, "maybe")
    assert _decisions(application) == 0
    sm.decide(application, members[0], session, "reject", reason="الدخل يتجاوز الحد")
    assert application.status == Status.REJECTED
    comm = db.session.scalars(select(Communication).where(Communication.application_id == application.id)
                              .order_by(Communication.id.desc())).first()
    assert "نتيجة طلبكم" in comm.subject and "الدخل يتجاوز الحد" in comm.summary


def test_defer_then_decide_in_a_later_session(app, users, members):
    admin = users["admin"]
    application = _awaiting(users)
    first = f.session(members, present=members)
    cr.add_to_agenda(first, application, admin)
    # Not twice on open agendas.
    second = f.session(members, present=members)
    with pytest.raises(IllegalTransition):
        cr.add_to_agenda(second, application, admin)
    sm.decide(application, members[0], first, "defer", reason="زيارة ميدانية إضافية")
    assert application.status == Status.AWAITING_COMMITTEE
    cr.close_session(first, admin)
    # Locked: nothing more in the closed session.
    with pytest.raises(IllegalTransition) as info:
        sm.decide(application, members[0], first, "accept")
    assert "locked" in str(info.value)
    with pytest.raises(IllegalTransition):
        cr.set_presence(first, members[1], False, admin)
    with pytest.raises(IllegalTransition):
        cr.add_to_agenda(first, _awaiting(users), admin)
    with pytest.raises(IllegalTransition):
        cr.close_session(first, admin)
    # Deferred requests are still waiting and go to the next session.
    assert application in cr.awaiting_not_scheduled()
    cr.add_to_agenda(second, application, admin)
    sm.decide(application, members[1], second, "accept")
    assert application.status == Status.ACCEPTED
    assert [d.outcome for d in application.decisions] == ["defer", "accept"]


def test_agenda_and_presence_permissions(app, users, members):
    admin = users["admin"]
    application = _awaiting(users)
    session = f.session(members)
    with pytest.raises(NotAllowed):
        cr.add_to_agenda(session, application, users["officer"])
    with pytest.raises(IllegalTransition):
        cr.add_to_agenda(session, f.application(), admin)  # not awaiting the committee
    with pytest.raises(NotAllowed):
        cr.set_presence(session, members[1], True, members[0])  # only one's own presence
    with pytest.raises(InvalidInput):
        cr.set_presence(session, users["officer"], True, admin)  # not a member
    cr.set_presence(session, members[1], True, admin)
    cr.set_presence(session, members[0], True, members[0])
    assert cr.is_present(session, members[0])
    with pytest.raises(NotAllowed):
        cr.close_session(session, members[2])  # a member who is not present
    with pytest.raises(NotAllowed):
        cr.close_session(session, users["officer"])
    cr.close_session(session, members[0])
    assert session.status == "closed" and session.closed_at is not None
