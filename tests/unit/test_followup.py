"""Follow-ups planned on delivery: the schedule (after N days, every M days, K times), the
organisation's default, recording one outcome, overdue, and the report's counts."""
from datetime import date, timedelta

import pytest

import workflow.state_machine as sm
from extensions import db
from models.application import Status
from models.followup import FollowUp
from models.organisation import OrganisationProfile
from tests import factories as f
from workflow import followup
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed
from workflow.reports import ReportFilter, local_today


def _delivered(users, st):
    application = f.application(st=st, actor=users["officer"])
    f.force_status(application, Status.ACCEPTED)
    sm.deliver(application, users["officer"])
    db.session.commit()
    return application


def _plans(application):
    return list(db.session.scalars(db.select(FollowUp).where(FollowUp.application_id == application.id)
                                   .order_by(FollowUp.sequence)))


def test_schedule_dates():
    schedule = followup.Schedule(after_days=7, every_days=30, times=3)
    assert schedule.due_dates(date(2026, 1, 1)) == [date(2026, 1, 8), date(2026, 2, 7), date(2026, 3, 9)]


def test_delivery_plans_the_service_types_follow_ups(app, users):
    st = f.service_type()
    st.follow_up_after_days, st.follow_up_every_days, st.follow_up_times = 3, 10, 2
    application = _delivered(users, st)
    plans = _plans(application)
    today = local_today()
    assert [p.due_on for p in plans] == [today + timedelta(days=3), today + timedelta(days=13)]
    assert [p.sequence for p in plans] == [1, 2]
    assert all(p.officer_id == users["officer"].id and p.done_at is None for p in plans)


def test_organisation_schedule_applies_when_the_service_type_has_none(app, users):
    db.session.add(OrganisationProfile(id=1, follow_up_after_days=7, follow_up_every_days=30, follow_up_times=3))
    st = f.service_type()  # follow_up_times None: the organisation's schedule
    application = _delivered(users, st)
    assert len(_plans(application)) == 3
    off = f.service_type(name="خدمة بلا متابعة")
    off.follow_up_times = 0  # this service: none, whatever the organisation says
    assert _plans(_delivered(users, off)) == []


def test_no_schedule_no_follow_ups_and_planning_happens_once(app, users):
    application = _delivered(users, f.service_type())
    assert _plans(application) == []
    st = f.service_type(name="ب")
    st.follow_up_after_days, st.follow_up_times = 5, 1
    application = _delivered(users, st)
    assert followup.plan_follow_ups(application, users["officer"]) == []  # already planned
    assert len(_plans(application)) == 1


def test_only_delivery_plans_follow_ups(app, users):
    st = f.service_type()
    st.follow_up_after_days, st.follow_up_times = 5, 1
    application = f.application(st=st, actor=users["officer"])
    sm.withdraw(application, users["officer"], "لم يعد بحاجة")
    assert _plans(application) == []


def test_recording_one_outcome_closes_it_and_the_next_stays(app, users):
    st = f.service_type()
    st.follow_up_after_days, st.follow_up_every_days, st.follow_up_times = 1, 7, 2
    first, second = _plans(_delivered(users, st))
    followup.record_outcome(first, users["officer"], method="visit", result="needs_more",
                            outcome="الأسرة بحاجة إلى دعم إضافي", next_step="رفع طلب جديد")
    db.session.commit()
    assert first.done_at is not None and first.done_by_id == users["officer"].id
    assert first.method == "visit" and first.result == "needs_more" and first.next_step == "رفع طلب جديد"
    db.session.refresh(second)
    assert second.done_at is None
    with pytest.raises(IllegalTransition):
        followup.record_outcome(first, users["officer"], method="call", result="satisfied", outcome="مرة ثانية")


@pytest.mark.parametrize("kwargs, error", [
    ({"method": "fax", "result": "satisfied", "outcome": "x"}, InvalidInput),
    ({"method": "call", "result": "", "outcome": "x"}, InvalidInput),
    ({"method": "call", "result": "satisfied", "outcome": "  "}, InvalidInput),
])
def test_bad_outcome_input_changes_nothing(app, users, kwargs, error):
    st = f.service_type()
    st.follow_up_after_days, st.follow_up_times = 1, 1
    (plan,) = _plans(_delivered(users, st))
    with pytest.raises(error):
        followup.record_outcome(plan, users["officer"], **kwargs)
    db.session.rollback()
    db.session.refresh(plan)
    assert plan.done_at is None and plan.outcome == ""


@pytest.mark.parametrize("role", ["viewer", "committee", "specialist"])
def test_only_office_roles_record_follow_ups(app, users, role):
    st = f.service_type()
    st.follow_up_after_days, st.follow_up_times = 1, 1
    (plan,) = _plans(_delivered(users, st))
    with pytest.raises(NotAllowed):
        followup.record_outcome(plan, users[role], method="call", result="satisfied", outcome="x")


def test_schedule_validation():
    followup.validate_schedule(None, None, None)
    followup.validate_schedule(0, 0, 0)
    followup.validate_schedule(7, None, 1)
    with pytest.raises(InvalidInput):
        followup.validate_schedule(0, 30, 3)  # no first date
    with pytest.raises(InvalidInput):
        followup.validate_schedule(7, 0, 3)  # several, no interval
    with pytest.raises(InvalidInput):
        followup.validate_schedule(7, 30, 99)


def test_overdue_and_officer_counts(app, users):
    st = f.service_type()
    st.follow_up_after_days, st.follow_up_every_days, st.follow_up_times = 1, 1, 3
    plans = _plans(_delivered(users, st))
    later = local_today() + timedelta(days=3)  # all three are due by then; two are late
    assert followup.officer_counts(users["officer"], later) == {"due": 3, "overdue": 2}
    assert followup.officer_counts(users["admin"], later) == {"due": 0, "overdue": 0}
    followup.record_outcome(plans[0], users["officer"], method="call", result="satisfied", outcome="تم")
    db.session.commit()
    assert followup.officer_counts(users["officer"], later) == {"due": 2, "overdue": 1}


def test_report_counts_served_followed_up_results_and_satisfaction(app, users):
    from models.survey import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse

    food = f.service_type(name="سلة غذائية")
    food.follow_up_after_days, food.follow_up_every_days, food.follow_up_times = 0, 30, 2
    rent = f.service_type(name="إيجار")
    a1, a2 = _delivered(users, food), _delivered(users, food)
    _delivered(users, rent)  # served, no follow-up
    p1 = _plans(a1)[0]
    followup.record_outcome(p1, users["officer"], method="call", result="satisfied", outcome="تم")
    followup.record_outcome(_plans(a2)[0], users["officer"], method="visit", result="issue", outcome="تأخر")
    question = SurveyQuestion(text_ar="الرضا")
    db.session.add(question)
    db.session.flush()
    invitation = db.session.scalar(db.select(SurveyInvitation).where(SurveyInvitation.application_id == a1.id))
    response = SurveyResponse(invitation_id=invitation.id, application_id=a1.id, service_type_id=food.id)
    response.answers = [SurveyAnswer(question_id=question.id, rating=4)]
    db.session.add(response)
    db.session.commit()
    today = local_today()
    data = followup.report(ReportFilter(date_from=today, date_to=today), today)
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["سلة غذائية"]["served"] == 2 and rows["إيجار"]["served"] == 1
    assert rows["سلة غذائية"]["done"] == 2 and rows["سلة غذائية"]["reached"] == 2
    assert rows["سلة غذائية"]["due"] == 2  # the first of each was due today; the second in 30 days
    assert rows["سلة غذائية"]["results"] == {"satisfied": 1, "needs_more": 0, "issue": 1, "not_reached": 0}
    assert rows["سلة غذائية"]["satisfaction"] == 4.0 and rows["سلة غذائية"]["responses"] == 1
    assert rows["إيجار"]["done"] == 0 and rows["إيجار"]["satisfaction"] is None
    assert data["total"]["served"] == 3 and data["total"]["done"] == 2
    assert data["total"]["results"]["issue"] == 1
    # Only the service type chosen.
    only_rent = followup.report(ReportFilter(date_from=today, date_to=today, service_type_id=rent.id), today)
    assert [r["name"] for r in only_rent["rows"]] == ["إيجار"]


@pytest.mark.parametrize("key, times", [("dawa", 3), ("food_preservation", 0), ("health_care", 0),
                                        ("child_development", 0), ("endowment", 0)])
def test_policy_templates_turn_on_what_their_policy_names(app, users, key, times):
    """Only 001 (dawa) names continuous follow-up; every policy names suggestions (5 working days)."""
    from workflow.policy_templates import apply_template

    profile = apply_template(key)
    assert profile.follow_up_times == times and profile.feedback_response_days == 5
    if times:
        assert (profile.follow_up_after_days, profile.follow_up_every_days) == (7, 30)
    application = _delivered(users, f.service_type())
    assert len(_plans(application)) == times


def test_outcome_is_in_the_audit_trail_and_a_concurrent_second_recording_is_refused(app, users):
    from sqlalchemy import update

    from models.audit import AuditEntry
    from models.types import utcnow

    st = f.service_type()
    st.follow_up_after_days, st.follow_up_every_days, st.follow_up_times = 1, 1, 2
    first, second = _plans(_delivered(users, st))
    followup.record_outcome(first, users["officer"], method="message", result="not_reached", outcome="لم يرد")
    db.session.commit()
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.table_name == "follow_up",
                                                          AuditEntry.action == "update"))
    assert entry is not None and entry.changes["result"][1] == "not_reached"
    assert entry.changes["outcome"][1] == "لم يرد"
    # Someone else records the second one a moment earlier; this copy still shows it open.
    db.session.execute(update(FollowUp).where(FollowUp.id == second.id).values(done_at=utcnow())
                       .execution_options(synchronize_session=False))
    with pytest.raises(IllegalTransition):
        followup.record_outcome(second, users["officer"], method="call", result="satisfied", outcome="تم")


def test_report_per_branch_office(app, users):
    from models.application import Application
    from models.branch import Branch

    north = Branch(name_ar="فرع الشمال", name_en="North", city="عرعر", region="northern_borders")
    db.session.add(north)
    db.session.flush()
    food = f.service_type(name="سلة غذائية")
    food.follow_up_after_days, food.follow_up_every_days, food.follow_up_times = 0, 30, 1
    at_branch, at_head_office = _delivered(users, food), _delivered(users, food)
    db.session.execute(db.update(Application).where(Application.id == at_branch.id).values(branch_id=north.id))
    followup.record_outcome(_plans(at_branch)[0], users["officer"], method="call", result="satisfied", outcome="تم")
    db.session.commit()
    today = local_today()
    data = followup.report(ReportFilter(date_from=today, date_to=today), today, group="branch")
    rows = {r["name"]: r for r in data["rows"]}
    assert data["group"] == "branch"
    assert rows["فرع الشمال"]["served"] == 1 and rows["فرع الشمال"]["done"] == 1
    assert rows[""]["served"] == 1 and rows[""]["done"] == 0  # head office (no branch)
    assert at_head_office.branch_id is None
