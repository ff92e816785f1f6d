"""Reports for the board: numbers computed from the models, whatever screens exist.

Every function takes a ReportFilter (date range in the organisation's local
calendar, service type, channel, region) and returns plain data (dicts, lists)
that the report page draws and the exports write.

Month grouping: months are the organisation's local months (Asia/Riyadh by
default). Their boundaries are computed here in Python as UTC instants and
the database groups rows with a CASE over those instants, which gives the same
answer on SQLite and PostgreSQL and stays right in zones with daylight saving.
Counts and averages are GROUP BY queries; medians and percentiles are taken in
Python over one column.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case, distinct, exists, func, select

from extensions import db
from models.application import Application, Research, Status
from models.beneficiary import Beneficiary
from models.committee import Decision, Outcome
from models.reference import Channel
from models.service import ServiceType
from models.types import utcnow
from models.user import User
from workflow.applications import overdue_clause
from workflow.dates import local_zone, to_local
from workflow.regions import region_choices


# ---------------------------------------------------------------- filters
@dataclass
class ReportFilter:
    date_from: date | None = None
    date_to: date | None = None
    service_type_id: int | None = None
    channel_id: int | None = None
    region: str = ""
    branch_id: int | None = None
    # A branch-scoped staff member's own branches (workflow.branches), whatever they choose.
    branch_ids: tuple | None = None

    @classmethod
    def from_args(cls, args, today: date | None = None) -> "ReportFilter":
        """From query arguments; with none at all, the last twelve months."""
        today = today or local_today()

        def parse_date(name):
            value = (args.get(name) or "").strip()
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        def parse_int(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        if "date_from" not in args and "date_to" not in args:
            start = add_months(today.replace(day=1), -11)
            return cls(date_from=start, date_to=today, service_type_id=parse_int("service_type"),
                       channel_id=parse_int("channel"), region=(args.get("region") or "").strip(),
                       branch_id=parse_int("branch"))
        date_from, date_to = parse_date("date_from"), parse_date("date_to")
        if date_from and date_to and date_from > date_to:
            date_from, date_to = date_to, date_from
        return cls(date_from=date_from, date_to=date_to, service_type_id=parse_int("service_type"),
                   channel_id=parse_int("channel"), region=(args.get("region") or "").strip(),
                   branch_id=parse_int("branch"))

    def as_args(self) -> dict:
        return {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "service_type": self.service_type_id or "",
            "channel": self.channel_id or "",
            "region": self.region,
            "branch": self.branch_id or "",
        }

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.as_args().items() if v]
        return " ".join(parts)

    # The chosen days as UTC instants: [start, end).
    def utc_start(self) -> datetime | None:
        return local_midnight_utc(self.date_from) if self.date_from else None

    def utc_end(self) -> datetime | None:
        return local_midnight_utc(self.date_to + timedelta(days=1)) if self.date_to else None

    def in_range(self, column) -> list:
        clauses = []
        if self.date_from:
            clauses.append(column >= self.utc_start())
        if self.date_to:
            clauses.append(column < self.utc_end())
        return clauses

    def application_clauses(self, date_column=None) -> list:
        """Conditions on Application (and its beneficiary for the region)."""
        clauses = self.in_range(date_column) if date_column is not None else []
        if self.service_type_id:
            clauses.append(Application.service_type_id == self.service_type_id)
        if self.channel_id:
            clauses.append(Application.channel_id == self.channel_id)
        if self.region:
            clauses.append(Application.beneficiary_id.in_(
                select(Beneficiary.id).where(Beneficiary.region == self.region)))
        if self.branch_id:
            clauses.append(Application.branch_id == self.branch_id)
        if self.branch_ids is not None:
            clauses.append(Application.branch_id.in_(self.branch_ids))
        return clauses


def local_today() -> date:
    return to_local(utcnow()).date()


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(timezone.utc)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------- months
@dataclass
class Month:
    label: str  # "2025-03"
    start: datetime  # UTC instant of the local first day, 00:00
    end: datetime


def months_between(first: date, last: date) -> list[Month]:
    months = []
    current = first.replace(day=1)
    while current <= last:
        following = add_months(current, 1)
        months.append(Month(f"{current.year:04d}-{current.month:02d}",
                            local_midnight_utc(current), local_midnight_utc(following)))
        current = following
    return months


def month_case(column, months: list[Month]):
    """SQL expression giving the local month label of a UTC timestamp column."""
    if not months:
        return case((column.is_(None), None), else_=None)
    return case(*[(and_(column >= m.start, column < m.end), m.label) for m in months], else_=None)


def _months_for(rf: ReportFilter, column, clauses) -> list[Month]:
    """The months the filter covers; without dates, the months the data covers."""
    first, last = rf.date_from, rf.date_to
    if first is None or last is None:
        low, high = db.session.execute(select(func.min(column), func.max(column)).where(*clauses)).one()
        if low is None:
            return []
        low, high = _aware(low), _aware(high)
        first = first or to_local(low).date()
        last = last or to_local(high).date()
    if first > last:
        return []
    return months_between(first, last)


def _aware(value):
    if isinstance(value, str):  # SQLite without type processing
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _grouped_by_month(column, key, clauses, months):
    """{(month label, key): count} with one GROUP BY query."""
    if not months:
        return {}
    inner = select(month_case(column, months).label("month"), key.label("k")).where(*clauses).subquery()
    rows = db.session.execute(select(inner.c.month, inner.c.k, func.count()).group_by(inner.c.month, inner.c.k))
    return {(m, k): n for m, k, n in rows if m is not None}


# ---------------------------------------------------------------- helpers
def median(values):
    return statistics.median(values) if values else None


def percentile(values, p: float):
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def share(part: int, whole: int):
    return round(100 * part / whole, 1) if whole else None


def _names(model, ids) -> dict:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return {row.id: str(row) for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


# ---------------------------------------------------------------- requests
def requests_per_month(rf: ReportFilter, by: str = "channel") -> dict:
    """Requests received per month, split by channel, service type or receiving branch.

    {"months": [labels], "series": [{"id", "name", "counts": [...], "total"}], "totals": [...], "total": n}
    """
    column = Application.received_at
    clauses = rf.application_clauses(column)
    from models.branch import Branch

    key, model = {"channel": (Application.channel_id, Channel), "branch": (Application.branch_id, Branch)}.get(
        by, (Application.service_type_id, ServiceType))
    months = _months_for(rf, column, clauses)
    counts = _grouped_by_month(column, key, clauses, months)
    keys = sorted({k for (_, k) in counts}, key=lambda k: (k is None, k or 0))
    names = _names(model, keys)
    series = []
    for k in keys:
        values = [counts.get((m.label, k), 0) for m in months]
        series.append({"id": k, "name": names.get(k, "") if k is not None else None, "counts": values,
                       "total": sum(values)})
    series.sort(key=lambda s: -s["total"])
    totals = [sum(s["counts"][i] for s in series) for i in range(len(months))]
    return {"months": [m.label for m in months], "series": series, "totals": totals, "total": sum(totals)}


# ---------------------------------------------------------------- decision time
def _local_day_sql(column, dialect: str):
    """SQL for the organisation's local calendar day of a UTC timestamp column, or None when the
    database cannot say it exactly (SQLite with a zone that has daylight saving time)."""
    zone = local_zone()
    if dialect == "postgresql":
        return func.date(func.timezone(zone.key, column))
    if dialect == "sqlite":
        offsets = {zone.utcoffset(datetime(year, month, 1)) for year in (2000, 2025) for month in (1, 7)}
        if len(offsets) != 1:
            return None
        minutes = int(offsets.pop().total_seconds() // 60)
        return func.date(column, f"{minutes:+d} minutes")
    return None


def _decision_days(clauses) -> tuple[list[int], int] | None:
    """(days from receipt to decision per request, how many within the period), grouped by the
    database: a few dozen rows instead of one per decided request. None: not expressible there."""
    dialect = db.session.get_bind().dialect.name
    decided = _local_day_sql(Application.decided_at, dialect)
    received = _local_day_sql(Application.received_at, dialect)
    if decided is None or received is None:
        return None
    if dialect == "sqlite":
        days = func.cast(func.julianday(decided) - func.julianday(received), db.Integer)
    else:
        days = decided - received
    within = func.sum(case((decided <= Application.decision_due, 1), else_=0))
    rows = db.session.execute(select(days, func.count(), within).where(*clauses).group_by(days)).all()
    values = [int(d) for d, n, _w in rows for _ in range(n)]
    return values, sum(int(w or 0) for _d, _n, w in rows)


def decision_time(rf: ReportFilter, today: date | None = None) -> dict:
    """Days from receipt to decision for requests decided in the period (local calendar days)."""
    clauses = rf.application_clauses(Application.decided_at) + [Application.decided_at.is_not(None)]
    grouped = _decision_days(clauses)
    if grouped is not None:
        days, within = grouped
    else:
        rows = db.session.execute(select(Application.received_at, Application.decided_at,
                                         Application.decision_due).where(*clauses)).all()
        days, within = [], 0
        zone = local_zone()  # once, not per row
        for received_at, decided_at, due in rows:
            decided_day = decided_at.astimezone(zone).date() if decided_at.tzinfo else decided_at.date()
            received_day = received_at.astimezone(zone).date() if received_at.tzinfo else received_at.date()
            days.append((decided_day - received_day).days)
            if decided_day <= due:
                within += 1
    overdue_now = db.session.scalar(select(func.count()).select_from(Application)
                                    .where(overdue_clause(today), *rf.application_clauses()))
    return {
        "decided": len(days),
        "median_days": median(days),
        "p90_days": percentile(days, 90),
        "within_period": within,
        "within_period_share": share(within, len(days)),
        "overdue_now": overdue_now or 0,
    }


# ---------------------------------------------------------------- outcomes
def _has_decision(outcome):
    return exists().where(Decision.application_id == Application.id, Decision.outcome == outcome)


def outcome_expression():
    return case(
        (Application.status == Status.WITHDRAWN, "withdrawn"),
        (_has_decision(Outcome.ACCEPT), "accepted"),
        (_has_decision(Outcome.REJECT), "rejected"),
        else_="pending",
    )


OUTCOMES = ("accepted", "rejected", "withdrawn", "pending")


def _outcome_counts(clauses) -> dict[str, int]:
    """outcome_expression() counted for the requests matching `clauses`, without evaluating it per
    request: the total and the withdrawn come from indexes (received_at; status, received_at), the
    accepted and rejected from the decisions, the rest is pending. (Per request, two EXISTS probes
    over 25,000 requests of a quarter were most of the dashboard's time.)"""
    total = db.session.scalar(select(func.count()).select_from(Application).where(*clauses)) or 0
    withdrawn = db.session.scalar(select(func.count()).select_from(Application)
                                  .where(Application.status == Status.WITHDRAWN, *clauses)) or 0
    per_request = (select(func.max(case((Decision.outcome == Outcome.ACCEPT, 1), else_=0)).label("accept"),
                          func.max(case((Decision.outcome == Outcome.REJECT, 1), else_=0)).label("reject"))
                   .join(Application, Application.id == Decision.application_id)
                   .where(Application.status != Status.WITHDRAWN, *clauses)
                   .group_by(Decision.application_id).subquery())
    accepted, rejected = db.session.execute(select(
        func.coalesce(func.sum(per_request.c.accept), 0),
        func.coalesce(func.sum(case((per_request.c.accept == 0, per_request.c.reject), else_=0)), 0))).one()
    return {"accepted": int(accepted), "rejected": int(rejected), "withdrawn": withdrawn,
            "pending": total - withdrawn - int(accepted) - int(rejected)}


def outcomes(rf: ReportFilter, top: int = 5) -> dict:
    """Outcome of the requests received in the period, and the commonest rejection reasons."""
    clauses = rf.application_clauses(Application.received_at)
    counts = _outcome_counts(clauses)
    total = sum(counts.values())
    rows = [{"outcome": o, "count": counts.get(o, 0), "share": share(counts.get(o, 0), total)} for o in OUTCOMES]
    if not top:
        return {"total": total, "rows": rows, "reasons": []}
    reason = func.trim(Decision.reason)
    reasons = db.session.execute(
        select(reason, func.count(distinct(Decision.application_id)))
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.outcome == Outcome.REJECT, *clauses)
        .group_by(reason).order_by(func.count(distinct(Decision.application_id)).desc(), reason).limit(top)).all()
    return {"total": total, "rows": rows,
            "reasons": [{"reason": r or "", "count": n} for r, n in reasons]}


# ---------------------------------------------------------------- referrals
def referrals(rf: ReportFilter) -> dict:
    """Referrals to specialists made in the period: count, per specialist, days to the research report."""
    clauses = rf.in_range(Research.referred_at) + rf.application_clauses()
    per = db.session.execute(
        select(Research.specialist_id, func.count(Research.id), func.count(Research.submitted_at))
        .join(Application, Application.id == Research.application_id).where(*clauses)
        .group_by(Research.specialist_id)).all()
    durations: dict = {}
    for specialist_id, referred_at, submitted_at in db.session.execute(
            select(Research.specialist_id, Research.referred_at, Research.submitted_at)
            .join(Application, Application.id == Research.application_id)
            .where(*clauses, Research.submitted_at.is_not(None))):
        days = (submitted_at - referred_at).total_seconds() / 86400
        durations.setdefault(specialist_id, []).append(days)
    names = _names(User, [p[0] for p in per])
    rows = []
    for specialist_id, count, submitted in per:
        values = durations.get(specialist_id, [])
        rows.append({"specialist": names.get(specialist_id, ""), "count": count, "submitted": submitted,
                     "median_days": _round(median(values))})
    rows.sort(key=lambda r: (-r["count"], r["specialist"]))
    all_days = [d for values in durations.values() for d in values]
    return {"count": sum(r["count"] for r in rows), "submitted": sum(r["submitted"] for r in rows),
            "median_days": _round(median(all_days)), "p90_days": _round(percentile(all_days, 90)), "rows": rows}


def _round(value):
    return None if value is None else round(value, 1)


# ---------------------------------------------------------------- optional sources
def satisfaction(rf: ReportFilter, comments_limit: int = 50) -> dict:
    """Ratings (1–5) from satisfaction surveys answered in the period."""
    from models.survey import SurveyAnswer as Answer
    from models.survey import SurveyInvitation as Invitation
    from models.survey import SurveyQuestion as Question
    from models.survey import SurveyResponse as Response

    clauses = rf.in_range(Response.submitted_at)
    if rf.service_type_id:
        clauses.append(Response.service_type_id == rf.service_type_id)
    if rf.channel_id:
        clauses.append(Response.channel_id == rf.channel_id)
    if rf.region:
        clauses.append(Response.application_id.in_(
            select(Application.id).join(Beneficiary, Beneficiary.id == Application.beneficiary_id)
            .where(Beneficiary.region == rf.region)))
    if rf.branch_id or rf.branch_ids is not None:
        clauses.append(Response.application_id.in_(
            select(Application.id).where(*ReportFilter(branch_id=rf.branch_id, branch_ids=rf.branch_ids)
                                         .application_clauses())))

    def averages(key):
        return db.session.execute(
            select(key, func.avg(Answer.rating), func.count(distinct(Response.id)))
            .join(Response, Response.id == Answer.response_id).where(*clauses).group_by(key)).all()

    responses = db.session.scalar(select(func.count(Response.id)).where(*clauses)) or 0
    overall = db.session.scalar(select(func.avg(Answer.rating)).join(Response, Response.id == Answer.response_id)
                                .where(*clauses))
    questions = averages(Answer.question_id)
    question_names = _names(Question, [q[0] for q in questions])
    by_service = averages(Response.service_type_id)
    by_channel = averages(Response.channel_id)
    by_staff = averages(Response.staff_id)
    service_names = _names(ServiceType, [r[0] for r in by_service])
    channel_names = _names(Channel, [r[0] for r in by_channel])
    staff_names = _names(User, [r[0] for r in by_staff])

    # Response rate: invitations sent in the period (same filters through their request).
    inv_clauses = rf.in_range(Invitation.created_at) + rf.application_clauses()
    invitations = db.session.scalar(select(func.count(Invitation.id))
                                    .join(Application, Application.id == Invitation.application_id)
                                    .where(*inv_clauses)) or 0
    answered = db.session.scalar(select(func.count(Invitation.id))
                                 .join(Application, Application.id == Invitation.application_id)
                                 .where(*inv_clauses, Invitation.used_at.is_not(None))) or 0

    months = _months_for(rf, Response.submitted_at, clauses)
    trend_rows = {}
    if months:
        inner = (select(month_case(Response.submitted_at, months).label("month"), Answer.rating.label("rating"),
                        Response.id.label("rid"))
                 .join(Response, Response.id == Answer.response_id).where(*clauses).subquery())
        trend_rows = {m: (avg, n) for m, avg, n in db.session.execute(
            select(inner.c.month, func.avg(inner.c.rating), func.count(distinct(inner.c.rid))).group_by(inner.c.month))
            if m is not None}
    trend = [{"month": m.label, "average": _avg(trend_rows.get(m.label, (None, 0))[0]),
              "responses": trend_rows.get(m.label, (None, 0))[1]} for m in months]

    comments = db.session.execute(
        select(Response.submitted_at, Response.service_type_id, Response.comment)
        .where(*clauses, func.length(func.trim(Response.comment)) > 0)
        .order_by(Response.submitted_at.desc()).limit(comments_limit)).all()
    comment_services = _names(ServiceType, [c[1] for c in comments])

    def rows(data, names):
        out = [{"name": names.get(k, "") if k is not None else "", "average": _avg(avg), "responses": n}
               for k, avg, n in data]
        return sorted(out, key=lambda r: (-r["responses"], r["name"]))

    return {
        "responses": responses,
        "average": _avg(overall),
        "invitations": invitations,
        "answered_invitations": answered,
        "response_rate": share(answered, invitations),
        "questions": rows(questions, question_names),
        "by_service": rows(by_service, service_names),
        "by_channel": rows(by_channel, channel_names),
        "by_staff": rows(by_staff, staff_names),
        "trend": trend,
        "comments": [{"at": at, "service": comment_services.get(s, ""), "comment": c} for at, s, c in comments],
    }


def _avg(value):
    return None if value is None else round(float(value), 2)


def volunteers(rf: ReportFilter) -> dict:
    """Volunteer registrations in the period, per month, by status and by field."""
    from models.volunteer import Volunteer, VolunteerStatus
    from models.volunteer import VolunteerField as Field
    from models.volunteer import volunteer_field_link as link

    clauses = rf.in_range(Volunteer.created_at)
    months = _months_for(rf, Volunteer.created_at, clauses)
    per_month = _grouped_by_month(Volunteer.created_at, Volunteer.status, clauses, months)
    monthly = [sum(n for (m, _), n in per_month.items() if m == month.label) for month in months]
    by_status = dict(db.session.execute(select(Volunteer.status, func.count(Volunteer.id)).where(*clauses)
                                        .group_by(Volunteer.status)).all())
    by_field = [{"name": str(f), "kind": f.kind, "count": n} for f, n in db.session.execute(
        select(Field, func.count(distinct(link.c.volunteer_id)))
        .join(link, link.c.field_id == Field.id)
        .join(Volunteer, Volunteer.id == link.c.volunteer_id).where(*clauses)
        .group_by(Field.id).order_by(func.count(distinct(link.c.volunteer_id)).desc(), Field.id)).all()]
    statuses = list(VolunteerStatus.ALL)
    return {
        "total": sum(by_status.values()),
        "months": [m.label for m in months],
        "monthly": monthly,
        "by_status": [{"status": s, "count": by_status.get(s, 0)} for s in statuses],
        "by_field": by_field,
    }


# ---------------------------------------------------------------- filter choices
def filter_choices() -> dict:
    return {
        "service_types": db.session.scalars(select(ServiceType).order_by(ServiceType.name_ar)).all(),
        "channels": db.session.scalars(select(Channel).order_by(Channel.sort_order, Channel.name_ar)).all(),
        "regions": region_choices(),  # the 13 regions (workflow/regions.py), by code
        "branches": _branches(),
    }


def _branches():
    from models.branch import Branch
    from workflow.branches import visible_branch_ids

    ids = visible_branch_ids()
    query = select(Branch).order_by(Branch.name_ar)
    return db.session.scalars(query if ids is None else query.where(Branch.id.in_(ids))).all()


@dataclass
class Report:
    """Everything the report page shows, computed once per request."""

    rf: ReportFilter
    channel: dict = field(default_factory=dict)
    service: dict = field(default_factory=dict)
    branch: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    referrals: dict = field(default_factory=dict)
    satisfaction: dict | None = None
    volunteers: dict | None = None
    # Issue 14: follow-up after delivery, suggestions and complaints, improvement actions.
    followup: dict | None = None
    feedback: dict | None = None
    improvement: dict | None = None


def build_report(rf: ReportFilter) -> Report:
    from workflow import feedback, followup, improvement

    today = local_today()
    return Report(rf=rf, channel=requests_per_month(rf, "channel"), service=requests_per_month(rf, "service_type"),
                  branch=requests_per_month(rf, "branch"),
                  decisions=decision_time(rf), outcomes=outcomes(rf), referrals=referrals(rf),
                  satisfaction=satisfaction(rf), volunteers=volunteers(rf),
                  followup=followup.report(rf, today), feedback=feedback.counts(rf, today),
                  improvement=improvement.for_report(rf))
