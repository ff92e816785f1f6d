"""Suggestions and complaints: deadline in working days, linking to a request, reply through notify."""
from datetime import datetime, timedelta, timezone

import pytest

from extensions import db
from models.beneficiary import Communication
from models.feedback import Feedback
from models.improvement import ImprovementAction
from models.organisation import OrganisationProfile
from models.public import PublicSubmission
from tests import factories as f
from workflow import feedback, improvement
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed
from workflow.reports import ReportFilter, local_today


def _submit(nonce="n" * 20, **kw):
    values = dict(nonce=nonce, ip="127.0.0.1", kind="complaint", message="تأخر الرد على طلبي")
    values.update(kw)
    return feedback.submit_feedback(**values)


def test_deadline_is_five_working_days_by_default_and_configurable(app):
    # Thursday 2026-12-03 10:00 in Riyadh → Thursday 2026-12-10.
    thursday = datetime(2026, 12, 3, 7, tzinfo=timezone.utc)
    assert feedback.respond_by_for(thursday).isoformat() == "2026-12-10"
    db.session.add(OrganisationProfile(id=1, feedback_response_days=2))
    db.session.flush()
    assert feedback.respond_by_for(thursday).isoformat() == "2026-12-07"  # Sunday, Monday


def test_local_calendar_decides_the_day_of_receipt(app):
    # 22:30 UTC on Thursday is already Friday 01:30 in Riyadh: still the same Thursday deadline.
    late = datetime(2026, 12, 3, 22, 30, tzinfo=timezone.utc)
    assert feedback.respond_by_for(late).isoformat() == "2026-12-10"


def test_submission_once_per_form_and_linked_with_the_right_digits(app):
    application = f.application()
    outcome, item = _submit(reference=application.reference.lower(),
                            phone_last4=application.beneficiary.phone[-4:])
    assert outcome == feedback.Outcome.CREATED
    assert item.application_id == application.id and item.beneficiary_id == application.beneficiary_id
    assert item.respond_by > local_today() - timedelta(days=1)
    assert _submit()[0] == feedback.Outcome.RESUBMITTED  # the same nonce
    assert db.session.scalar(db.select(db.func.count(Feedback.id))) == 1
    assert db.session.scalar(db.select(PublicSubmission.kind)) == "feedback"


def test_wrong_digits_record_nothing(app):
    application = f.application()
    outcome, item = _submit(reference=application.reference, phone_last4="0000")
    assert outcome == feedback.Outcome.NOT_FOUND and item is None
    assert db.session.scalar(db.select(Feedback)) is None
    with pytest.raises(InvalidInput):
        _submit(nonce="m" * 20, kind="spam")


def test_reply_is_sent_to_a_linked_beneficiary_and_recorded(app, users):
    application = f.application()
    _, item = _submit(reference=application.reference, phone_last4=application.beneficiary.phone[-4:])
    feedback.record_reply(item, users["officer"], "نعتذر عن التأخر، وقد عولج طلبكم.")
    db.session.commit()
    assert item.status == "answered" and item.replied_by_id == users["officer"].id
    comm = db.session.scalar(db.select(Communication).where(Communication.application_id == application.id,
                                                            Communication.summary.contains("نعتذر عن التأخر")))
    assert comm is not None and comm.direction == "outgoing" and item.reply_delivery == comm.delivery
    with pytest.raises(IllegalTransition):
        feedback.record_reply(item, users["officer"], "مرة ثانية")


def test_reply_without_a_link_is_recorded_not_sent(app, users):
    _, item = _submit(phone="+966551138821")
    feedback.record_reply(item, users["admin"], "شكرًا لكم")
    assert item.reply_delivery == feedback.DELIVERY_NOT_LINKED
    assert db.session.scalar(db.select(Communication)) is None


def test_reply_rules(app, users):
    _, item = _submit()
    with pytest.raises(NotAllowed):
        feedback.record_reply(item, users["viewer"], "رد")
    with pytest.raises(InvalidInput):
        feedback.record_reply(item, users["officer"], "   ")
    assert item.status == "open"


def test_overdue_complaints_and_counts(app, users):
    _, complaint = _submit()
    _, suggestion = _submit(nonce="s" * 20, kind="suggestion")
    _, praise = _submit(nonce="p" * 20, kind="praise")
    later = complaint.respond_by + timedelta(days=1)
    assert feedback.overdue_complaints(complaint.respond_by) == 0
    assert feedback.overdue_complaints(later) == 1  # suggestions are overdue too, but not escalated
    feedback.record_reply(suggestion, users["officer"], "سندرس اقتراحكم")
    db.session.commit()
    today = local_today()
    data = feedback.counts(ReportFilter(date_from=today - timedelta(days=1), date_to=today + timedelta(days=1)),
                           later)
    kinds = {k["kind"]: k for k in data["kinds"]}
    assert kinds["complaint"] == {"kind": "complaint", "received": 1, "answered": 0, "overdue": 1}
    assert kinds["suggestion"]["answered"] == 1 and kinds["praise"]["received"] == 1
    assert data["received"] == 3 and data["answered"] == 1 and data["answered_in_time"] == 1


def test_improvement_action_rules(app):
    action = ImprovementAction(finding="", decision="", kind="decision", status="planned")
    with pytest.raises(InvalidInput):
        improvement.check_action(action, local_today())
    action.finding, action.decision = "متوسط منخفض لسرعة الرد", "تخصيص موظف للرد الهاتفي"
    improvement.check_action(action, local_today())
    action.status = "done"
    with pytest.raises(InvalidInput):
        improvement.check_action(action, local_today())  # done without saying what was done
    action.result = "خُصص موظف منذ بداية الشهر"
    improvement.check_action(action, local_today())
    assert action.completed_on == local_today()
    action.period_start, action.period_end = local_today(), local_today() - timedelta(days=1)
    with pytest.raises(InvalidInput):
        improvement.check_action(action, local_today())


def test_a_second_concurrent_reply_is_refused(app, users):
    from sqlalchemy import update

    _, item = _submit()
    db.session.execute(update(Feedback).where(Feedback.id == item.id).values(status="answered")
                       .execution_options(synchronize_session=False))
    with pytest.raises(IllegalTransition):
        feedback.record_reply(item, users["officer"], "رد ثانٍ")
