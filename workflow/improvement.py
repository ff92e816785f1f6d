"""Acting on satisfaction results (policy 001: «دراسة نتائج الاستبانة واتخاذ القرارات والتوصيات»):
a register of findings and the decisions or recommendations taken on them."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import distinct, func, or_, select

from extensions import db
from models.improvement import ActionKind, ActionStatus, ImprovementAction
from models.service import ServiceType
from models.survey import SurveyAnswer, SurveyQuestion, SurveyResponse
from workflow.dates import local_zone
from workflow.errors import InvalidInput

KIND_LABELS = {ActionKind.DECISION: _l("Decision"), ActionKind.RECOMMENDATION: _l("Recommendation")}
STATUS_LABELS = {
    ActionStatus.PLANNED: _l("Planned"),
    ActionStatus.IN_PROGRESS: _l("In progress"),
    ActionStatus.DONE: _l("Done"),
    # An action (إجراء) is masculine in Arabic: «ملغى», where a cancelled message is «ملغاة».
    ActionStatus.CANCELLED: lazy_pgettext("improvement action", "Cancelled"),
}


def check_action(action: ImprovementAction, today: date) -> None:
    """The register's rules, before a save: what was found and what was decided are written; a
    period runs forwards; a done action says what was done and when."""
    if not (action.finding or "").strip():
        raise InvalidInput(_l("Write the finding from the survey results."))
    if not (action.decision or "").strip():
        raise InvalidInput(_l("Write the decision or recommendation."))
    if action.period_start and action.period_end and action.period_start > action.period_end:
        raise InvalidInput(_l("The survey period ends before it starts."))
    if action.kind not in ActionKind.ALL or action.status not in ActionStatus.ALL:
        raise InvalidInput(_l("Choose the kind and the status."))
    if action.status == ActionStatus.DONE:
        if not (action.result or "").strip():
            raise InvalidInput(_l("Write what was done before marking the action done."))
        action.completed_on = action.completed_on or today
    else:
        action.completed_on = None


def question_finding(question_id: int, service_type_id: int | None, start: date | None, end: date | None) -> dict:
    """Prefill for a new action from one question's results: its average and how many answered."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None:
        return {}
    clauses = [SurveyAnswer.question_id == question_id]
    if service_type_id:
        clauses.append(SurveyResponse.service_type_id == service_type_id)
    zone = local_zone()
    if start:
        clauses.append(SurveyResponse.submitted_at >= datetime.combine(start, time.min, zone))
    if end:
        clauses.append(SurveyResponse.submitted_at < datetime.combine(end + timedelta(days=1), time.min, zone))
    avg, n = db.session.execute(
        select(func.avg(SurveyAnswer.rating), func.count(distinct(SurveyResponse.id)))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id).where(*clauses)).one()
    service = db.session.get(ServiceType, service_type_id) if service_type_id else None
    finding = _("“%(question)s”: average %(avg)s of 5 from %(n)d responses.", question=question.text,
                avg=("%.2f" % float(avg)) if avg is not None else "—", n=n or 0)
    if service is not None:
        finding += " " + _("Service type: %(name)s.", name=str(service))
    return {"question": question, "service_type": service, "period_start": start, "period_end": end,
            "finding": finding}


def for_report(rf) -> dict:
    """Actions for the board: those taken (done) in the period, and those still open."""
    done_clauses = [ImprovementAction.status == ActionStatus.DONE]
    if rf.date_from:
        done_clauses.append(ImprovementAction.completed_on >= rf.date_from)
    if rf.date_to:
        done_clauses.append(ImprovementAction.completed_on <= rf.date_to)
    service = [ImprovementAction.service_type_id == rf.service_type_id] if rf.service_type_id else []
    from sqlalchemy.orm import joinedload

    rows = db.session.scalars(
        select(ImprovementAction).options(joinedload(ImprovementAction.owner), joinedload(ImprovementAction.question),
                                          joinedload(ImprovementAction.service_type))
        .where(or_(ImprovementAction.status.in_(ActionStatus.OPEN), *[db.and_(*done_clauses)]), *service)
        .order_by(ImprovementAction.status, ImprovementAction.due_on, ImprovementAction.id)).all()
    taken = [a for a in rows if a.status == ActionStatus.DONE]
    open_ = [a for a in rows if a.status in ActionStatus.OPEN]
    return {"taken": taken, "open": open_}
