"""A double click (or two officers at once) makes ONE transition, and the second
gets a clear refusal, never a crash."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from extensions import db
from models.application import Application, ApplicationEvent, Status
from tests import factories as f
from tests.factories import english  # noqa: F401 (autouse)
from workflow import state_machine as sm
from workflow.errors import ConcurrentChange, WorkflowError


def _events(application_id):
    return db.session.scalar(select(func.count()).select_from(ApplicationEvent)
                             .where(ApplicationEvent.application_id == application_id))


def test_two_stale_copies(app, users):
    application = f.application()
    db.session.commit()
    app_id = application.id
    # Two browser tabs loaded the request before either clicked.
    stale = db.session.get(Application, app_id)
    assert stale.version == 1
    with app.app_context():  # the other request: its own session
        other = db.session.get(Application, app_id)
        sm.verify(other, db.session.get(type(users["officer"]), users["officer"].id))
        db.session.commit()
    try:
        sm.verify(stale, users["admin"])
    except ConcurrentChange as exc:
        assert "changed by someone else" in str(exc)
    else:
        raise AssertionError("the second click must be refused")
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(Application, app_id)
    assert fresh.status == Status.VERIFIED and fresh.version == 2
    assert _events(app_id) == 2  # receive + one verify


def test_two_threads_one_transition(app, users):
    application = f.application()
    db.session.commit()
    app_id, officer_id, admin_id = application.id, users["officer"].id, users["admin"].id
    barrier = threading.Barrier(2)
    results = {}

    def click(name, user_id):
        with app.app_context():
            try:
                row = db.session.get(Application, app_id)
                actor = db.session.get(type(users["officer"]), user_id)
                _ = (row.status, row.version, row.beneficiary, row.service_type, actor.role)
                barrier.wait(timeout=30)
                sm.withdraw(row, actor, "طلب المستفيد")
                db.session.commit()
                results[name] = "ok"
            except WorkflowError as exc:
                db.session.rollback()
                results[name] = type(exc).__name__
            except Exception as exc:  # anything else is a bug (a 500 in the web)
                db.session.rollback()
                results[name] = f"crash: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click, args=(n, u)) for n, u in (("a", officer_id), ("b", admin_id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) == ["ConcurrentChange", "ok"], results
    db.session.expire_all()
    assert db.session.get(Application, app_id).status == Status.WITHDRAWN
    assert _events(app_id) == 2


def test_two_committee_members_decide_at_once(app, users):
    from workflow.users import create_user

    second = create_user("c2@example.org", "عضو ثان", "committee", "correct horse battery")
    application = f.application()
    sm.verify(application, users["officer"])
    sm.raise_to_committee(application, users["officer"])
    session = f.session([users["committee"], second], present=[users["committee"], second], agenda=[application])
    db.session.commit()
    app_id, session_id = application.id, session.id
    stale = db.session.get(Application, app_id)
    with app.app_context():
        from models.committee import CommitteeSession

        other = db.session.get(Application, app_id)
        sm.decide(other, db.session.get(type(second), second.id), db.session.get(CommitteeSession, session_id),
                  "defer", reason="سبب")
        db.session.commit()
    try:
        sm.decide(stale, users["committee"], session, "accept")
    except ConcurrentChange:
        pass
    else:
        raise AssertionError("the second decision must be refused")
    db.session.rollback()
    db.session.expire_all()
    assert [d.outcome for d in db.session.get(Application, app_id).decisions] == ["defer"]
