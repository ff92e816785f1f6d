"""Continuous follow-up of served beneficiaries (policies 001, 003): «المتابعة المستمرة … والرفع بالتقارير».

When a request is delivered (the state machine's `deliver`, through the application_changed
signal), its service type's schedule plans K follow-ups: the first N days after delivery, then
every M days. Each is a planned contact with a due date and an officer; recording its outcome
closes that one only, the next planned ones stay. The report counts, per service type (the
GROUPINGS table is where a branch column goes), what was served, followed up, found and rated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select, update

from extensions import db
from models.application import Application, Status
from models.followup import FollowUp, FollowUpMethod, FollowUpResult
from models.organisation import OrganisationProfile
from models.service import ServiceType
from models.types import utcnow
from workflow.dates import to_local
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed
from workflow.events import application_changed
from workflow.roles import ADMIN_OFFICER, Role

METHOD_LABELS = {
    FollowUpMethod.CALL: _l("Phone call"),
    FollowUpMethod.VISIT: _l("Visit"),
    FollowUpMethod.MESSAGE: _l("Message"),
}
RESULT_LABELS = {
    FollowUpResult.SATISFIED: _l("The service met the need"),
    FollowUpResult.NEEDS_MORE: _l("Further support needed"),
    FollowUpResult.ISSUE: _l("A problem to act on"),
    FollowUpResult.NOT_REACHED: _l("Could not be reached"),
}
MAX_TIMES = 24


@dataclass(frozen=True)
class Schedule:
    after_days: int
    every_days: int
    times: int

    def due_dates(self, delivered_on: date) -> list[date]:
        first = delivered_on + timedelta(days=self.after_days)
        return [first + timedelta(days=i * self.every_days) for i in range(self.times)]


def validate_schedule(after_days, every_days, times) -> None:
    """Raise InvalidInput for a schedule that cannot be planned (the service-type and profile forms)."""
    if times is None or times == 0:
        return
    if times < 0 or times > MAX_TIMES:
        raise InvalidInput(_l("The number of follow-ups must be between 0 and %(n)d.", n=MAX_TIMES))
    if after_days is None or after_days < 1:
        raise InvalidInput(_l("Give the days from delivery to the first follow-up (1 or more)."))
    if times > 1 and (every_days is None or every_days < 1):
        raise InvalidInput(_l("Give the days between follow-ups (1 or more) when there is more than one."))


def schedule_for(service_type: ServiceType) -> Schedule | None:
    """The service type's own schedule, else the organisation's; None when there is no follow-up."""
    if service_type.follow_up_times is not None:
        after, every, times = (service_type.follow_up_after_days, service_type.follow_up_every_days,
                               service_type.follow_up_times)
    else:
        profile = db.session.get(OrganisationProfile, 1)
        if profile is None:
            return None
        after, every, times = profile.follow_up_after_days, profile.follow_up_every_days, profile.follow_up_times
    if not times or times < 1:
        return None
    return Schedule(after_days=max(int(after or 0), 0), every_days=max(int(every or 0), 1),
                    times=min(int(times), MAX_TIMES))


def plan_follow_ups(application: Application, officer=None, delivered_on: date | None = None) -> list[FollowUp]:
    """Plan the schedule's follow-ups for a delivered request (once: a request already planned is left)."""
    schedule = schedule_for(application.service_type)
    if schedule is None:
        return []
    if db.session.scalar(select(FollowUp.id).where(FollowUp.application_id == application.id).limit(1)):
        return []
    delivered_on = delivered_on or to_local(application.served_at or utcnow()).date()
    officer_id = getattr(officer, "id", None) or application.created_by_id
    rows = [FollowUp(application_id=application.id, sequence=i, due_on=due, officer_id=officer_id,
                     method=FollowUpMethod.CALL, result="", outcome="", next_step="")
            for i, due in enumerate(schedule.due_dates(delivered_on), start=1)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _on_application_changed(application, **kwargs) -> None:
    if kwargs.get("action") == "deliver" and kwargs.get("to_status") == Status.SERVED:
        plan_follow_ups(application, kwargs.get("actor"))


def install() -> None:
    """Subscribe once to the state machine's signal (idempotent)."""
    application_changed.connect(_on_application_changed, weak=False)


# -- recording -------------------------------------------------------------------------
def _require_staff(actor) -> None:
    try:
        role = Role(getattr(actor, "role", None))
    except ValueError:
        role = None
    if actor is None or not getattr(actor, "active", True) or role not in ADMIN_OFFICER:
        raise NotAllowed(_l("Your role does not allow recording follow-ups."))


def record_outcome(follow_up: FollowUp, actor, *, method: str, result: str, outcome: str,
                   next_step: str = "") -> FollowUp:
    """Close one follow-up with what was found. The caller commits; a refusal changes nothing."""
    _require_staff(actor)
    if follow_up.done_at is not None:
        raise IllegalTransition(_l("This follow-up was already recorded."))
    if method not in FollowUpMethod.ALL:
        raise InvalidInput(_l("Choose how the beneficiary was contacted."))
    if result not in FollowUpResult.ALL:
        raise InvalidInput(_l("Choose the result of the follow-up."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_l("Write what the follow-up found."))
    now = utcnow()
    # Conditional update first: of two people recording the same follow-up at once, one wins.
    claimed = db.session.execute(
        update(FollowUp).where(FollowUp.id == follow_up.id, FollowUp.done_at.is_(None))
        .values(done_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise IllegalTransition(_l("This follow-up was already recorded."))
    # Then through the ORM, so the audit trail records what was written.
    follow_up.method, follow_up.result = method, result
    follow_up.outcome, follow_up.next_step = outcome[:4000], (next_step or "").strip()[:4000]
    follow_up.done_at, follow_up.done_by_id = now, actor.id
    db.session.flush()
    return follow_up


# -- lists -----------------------------------------------------------------------------
def overdue_clause(today: date):
    """Open follow-ups past their due date (index: done_at, due_on)."""
    return FollowUp.done_at.is_(None) & (FollowUp.due_on < today)


def due_clause(today: date):
    """Open follow-ups due today or earlier."""
    return FollowUp.done_at.is_(None) & (FollowUp.due_on <= today)


def is_overdue(follow_up: FollowUp, today: date) -> bool:
    return follow_up.done_at is None and follow_up.due_on < today


def count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(FollowUp).where(*conditions)) or 0


def officer_counts(user, today: date) -> dict:
    mine = FollowUp.officer_id == user.id
    return {"due": count(mine, due_clause(today)), "overdue": count(mine, overdue_clause(today))}


# -- the periodic report ----------------------------------------------------------------
# What the report can be split by: key column on Application, and the model naming it.
# (A branch split adds ("branch", Application.branch_id, Branch) here.)
def _branch_model():
    from models.branch import Branch

    return Branch


GROUPINGS = {
    "service_type": (lambda: Application.service_type_id, lambda: ServiceType, _l("Service type")),
    # The receiving branch office (no branch: head office).
    "branch": (lambda: Application.branch_id, _branch_model, _l("Branch office")),
}


def report(rf, today: date, group: str = "service_type") -> dict:
    """Per group: requests served, follow-ups due, done and overdue, their results, and satisfaction.

    Served: delivered in the period. Due: follow-ups whose due date falls in the period. Done:
    follow-ups recorded in the period (their results are counted). Overdue: open and late today.
    A fixed number of GROUP BY queries, whatever the number of rows.
    """
    from models.survey import SurveyAnswer, SurveyResponse

    key_of, model_of, _label = GROUPINGS[group]
    key, model = key_of(), model_of()
    app_clauses = rf.application_clauses()
    joined = select(FollowUp).join(Application, Application.id == FollowUp.application_id)

    def grouped(query) -> dict:
        return {k: n for k, n in db.session.execute(query).all()}

    served = grouped(select(key, func.count(Application.id))
                     .where(*rf.application_clauses(Application.served_at), Application.served_at.is_not(None))
                     .group_by(key))
    due_filters = []
    if rf.date_from:
        due_filters.append(FollowUp.due_on >= rf.date_from)
    if rf.date_to:
        due_filters.append(FollowUp.due_on <= rf.date_to)
    due = grouped(joined.with_only_columns(key, func.count(FollowUp.id)).where(*app_clauses, *due_filters)
                  .group_by(key))
    done_filters = [FollowUp.done_at.is_not(None), *rf.in_range(FollowUp.done_at)]
    results: dict = {}
    for k, result, n in db.session.execute(
            joined.with_only_columns(key, FollowUp.result, func.count(FollowUp.id))
            .where(*app_clauses, *done_filters).group_by(key, FollowUp.result)).all():
        results.setdefault(k, {})[result] = n
    reached = grouped(joined.with_only_columns(key, func.count(distinct(FollowUp.application_id)))
                      .where(*app_clauses, *done_filters).group_by(key))
    overdue = grouped(joined.with_only_columns(key, func.count(FollowUp.id))
                      .where(*app_clauses, overdue_clause(today)).group_by(key))
    sat_key = SurveyResponse.service_type_id if group == "service_type" else key
    sat_query = (select(sat_key, func.avg(SurveyAnswer.rating), func.count(distinct(SurveyResponse.id)))
                 .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                 .where(*rf.in_range(SurveyResponse.submitted_at)))
    if group != "service_type":
        sat_query = sat_query.join(Application, Application.id == SurveyResponse.application_id)
    if rf.service_type_id:
        sat_query = sat_query.where(SurveyResponse.service_type_id == rf.service_type_id)
    satisfaction = {k: (avg, n) for k, avg, n in db.session.execute(sat_query.group_by(sat_key)).all()}

    keys = set(served) | set(due) | set(results) | set(overdue) | set(satisfaction)
    ids = [k for k in keys if k is not None]
    names = {row.id: str(row) for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
    rows = []
    for k in keys:
        done_here = results.get(k, {})
        avg, responses = satisfaction.get(k, (None, 0))
        rows.append({
            "id": k, "name": names.get(k, ""), "served": served.get(k, 0), "due": due.get(k, 0),
            "done": sum(done_here.values()), "reached": reached.get(k, 0), "overdue": overdue.get(k, 0),
            "results": {r: done_here.get(r, 0) for r in FollowUpResult.ALL},
            "satisfaction": None if avg is None else round(float(avg), 2), "responses": responses,
        })
    rows.sort(key=lambda r: (-r["served"], -r["done"], r["name"]))
    total = {name: sum(r[name] for r in rows) for name in ("served", "due", "done", "reached", "overdue", "responses")}
    total["results"] = {res: sum(r["results"][res] for r in rows) for res in FollowUpResult.ALL}
    all_avg = db.session.scalar(select(func.avg(SurveyAnswer.rating))
                                .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                                .where(*rf.in_range(SurveyResponse.submitted_at),
                                       *([SurveyResponse.service_type_id == rf.service_type_id]
                                         if rf.service_type_id else [])))
    total["satisfaction"] = None if all_avg is None else round(float(all_avg), 2)
    return {"group": group, "rows": rows, "total": total}
