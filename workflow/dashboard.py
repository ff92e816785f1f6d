"""The home dashboard: the numbers each role starts the day with, and the lists behind them.

Every number is a named *list* (LISTS below): a query over the models plus the
roles allowed to open it. The dashboard shows the count; /admin/dashboard/list/<name>
shows the rows. Both use the same query, so a number and its list always agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from extensions import db
from workflow.kept import kept, seconds_for
from models.application import Application, Status
from models.beneficiary import Communication
from models.committee import AgendaItem, CommitteeSession
from models.user import User
from workflow.applications import overdue_clause, overdue_count
from workflow.branches import scope_query
from workflow.reports import ReportFilter, decision_time, local_today, outcomes
from workflow.roles import ADMIN_ONLY, ALL, REPORT_ROLES, Role

OFFICER_ROLES = frozenset({Role.ADMIN, Role.OFFICER})
SPECIALIST_ROLES = frozenset({Role.ADMIN, Role.SPECIALIST})


@dataclass(frozen=True)
class ListSpec:
    title: object
    roles: frozenset
    model: type  # Application or Communication
    where: Callable  # (user, today, arg) -> list of SQL conditions
    order: Callable  # () -> order_by clauses
    with_arg: bool = False  # takes ?status=...


def _mine(user):
    return Application.created_by_id == user.id


def _week_end(today: date) -> date:
    return today + timedelta(days=7)


LISTS: dict[str, ListSpec] = {
    # Officer
    "my_open": ListSpec(_l("My open requests"), OFFICER_ROLES, Application,
                        lambda u, t, a: [_mine(u), Application.status.in_(Status.OPEN)]
                        + ([Application.status == a] if a else []),
                        lambda: [Application.decision_due, Application.id], with_arg=True),
    "my_overdue": ListSpec(_l("My overdue requests"), OFFICER_ROLES, Application,
                           lambda u, t, a: [_mine(u), overdue_clause(t)],
                           lambda: [Application.decision_due, Application.id]),
    "my_due_week": ListSpec(_l("My requests due within 7 days"), OFFICER_ROLES, Application,
                            lambda u, t, a: [_mine(u), Application.status.in_(Status.UNDECIDED),
                                             Application.decision_due >= t, Application.decision_due <= _week_end(t)],
                            lambda: [Application.decision_due, Application.id]),
    "my_incomplete": ListSpec(_l("My incomplete requests waiting on the beneficiary"), OFFICER_ROLES, Application,
                              lambda u, t, a: [_mine(u), Application.status == Status.INCOMPLETE],
                              lambda: [Application.received_at, Application.id]),
    "my_followups": ListSpec(_l("Follow-ups due"), OFFICER_ROLES, Communication,
                             lambda u, t, a: [Communication.staff_id == u.id, Communication.follow_up_on.is_not(None),
                                              Communication.follow_up_on <= t,
                                              Communication.follow_up_done.is_(False)],
                             lambda: [Communication.follow_up_on, Communication.id]),
    # Specialist
    "my_referrals": ListSpec(_l("My referrals"), SPECIALIST_ROLES, Application,
                             lambda u, t, a: [Application.assigned_specialist_id == u.id,
                                              Application.status == Status.WITH_SPECIALIST],
                             lambda: [Application.received_at, Application.id]),
    # The board (admin, viewer; committee and officer may open them too)
    "open": ListSpec(_l("Open requests"), REPORT_ROLES, Application,
                     lambda u, t, a: [Application.status.in_(Status.OPEN)]
                     + ([Application.status == a] if a else []),
                     lambda: [Application.decision_due, Application.id], with_arg=True),
    "overdue": ListSpec(_l("Overdue requests"), REPORT_ROLES, Application,
                        lambda u, t, a: [overdue_clause(t)],
                        lambda: [Application.decision_due, Application.id]),
    "due_week": ListSpec(_l("Requests due within 7 days"), REPORT_ROLES, Application,
                         lambda u, t, a: [Application.status.in_(Status.UNDECIDED), Application.decision_due >= t,
                                          Application.decision_due <= _week_end(t)],
                         lambda: [Application.decision_due, Application.id]),
    "awaiting_committee": ListSpec(_l("Waiting for the committee"), REPORT_ROLES, Application,
                                   lambda u, t, a: [Application.status == Status.AWAITING_COMMITTEE],
                                   lambda: [Application.decision_due, Application.id]),
}


def list_allowed(name: str, role: Role | None) -> bool:
    spec = LISTS.get(name)
    return spec is not None and role is not None and role in spec.roles


def list_query(name: str, user, arg: str = "", today: date | None = None):
    spec = LISTS[name]
    today = today or local_today()
    if arg and arg not in Status.ALL:
        arg = ""
    query = select(spec.model).where(*spec.where(user, today, arg if spec.with_arg else "")).order_by(*spec.order())
    return scope_query(query, spec.model, user)  # a branch-scoped role counts its branches' rows only


def list_count(name: str, user, arg: str = "", today: date | None = None) -> int:
    inner = list_query(name, user, arg, today).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


def status_counts(name: str, user, today: date | None = None) -> list[tuple[str, int]]:
    """Counts per status for the 'my_open' / 'open' lists, in the state machine's order."""
    spec = LISTS[name]
    today = today or local_today()
    # count(*), not count(id): PostgreSQL then answers from the (status, ...) index alone.
    query = scope_query(select(Application.status, func.count()).where(*spec.where(user, today, "")), Application, user)
    rows = dict(db.session.execute(query.group_by(Application.status)).all())
    return [(s, rows[s]) for s in Status.ALL if rows.get(s)]


# ---------------------------------------------------------------- per role
def officer_panel(user, today=None) -> dict:
    return {
        "by_status": status_counts("my_open", user, today),
        "open": list_count("my_open", user, today=today),
        "overdue": list_count("my_overdue", user, today=today),
        "due_week": list_count("my_due_week", user, today=today),
        "incomplete": list_count("my_incomplete", user, today=today),
        "followups": list_count("my_followups", user, today=today),
        **_care_counts(user, today),
    }


def _care_counts(user, today=None) -> dict:
    """Planned follow-ups after delivery (overdue ones are the officer's) and complaints past
    their response deadline (escalated to everyone who answers them) (issue 14)."""
    from workflow import feedback, followup

    today = today or local_today()
    mine = followup.officer_counts(user, today)
    return {"followups_planned_due": mine["due"], "followups_overdue": mine["overdue"],
            "complaints_overdue": feedback.overdue_complaints(today)}


def _overdue_complaints(today) -> int:
    from workflow import feedback

    return feedback.overdue_complaints(today)


def specialist_panel(user, today=None, limit: int = 10) -> dict:
    rows = db.session.scalars(list_query("my_referrals", user, today=today).limit(limit)).all()
    return {"count": list_count("my_referrals", user, today=today), "oldest": rows}


def committee_panel(user, today=None) -> dict:
    """The next open session (the member's own first; today or later before older ones still open)
    and its agenda size."""
    today = today or local_today()
    agenda_size = (select(func.count(AgendaItem.id)).where(AgendaItem.session_id == CommitteeSession.id)
                   .scalar_subquery())
    query = select(CommitteeSession, agenda_size).where(CommitteeSession.status == "open")
    mine = CommitteeSession.members.any(User.id == user.id)
    row = None
    # The member's own sessions first (upcoming, then any still open), then any open session.
    for condition in ([mine, CommitteeSession.held_on >= today], [mine], [CommitteeSession.held_on >= today], []):
        row = db.session.execute(query.where(*condition)
                                 .order_by(CommitteeSession.held_on, CommitteeSession.id).limit(1)).first()
        if row is not None:
            break
    return {
        "session": row[0] if row else None,
        "agenda_size": row[1] if row else 0,
        "awaiting": list_count("awaiting_committee", user, today=today),
    }


def quarter_figures(quarter: ReportFilter, today: date) -> dict:
    """The board's figures of the last 90 days: requests decided, median days to a decision, the
    share decided within the period and the share accepted.

    They read every request decided or received in 90 days (about 20,000 at the size of a large
    association), and one decision more moves them by a hair, so each process keeps them for
    DASHBOARD_CACHE_SECONDS (60; 0 in tests: always fresh). The day's counts (open, overdue, due
    this week) are never kept."""
    return kept("quarter_figures", (quarter.date_from, quarter.date_to, today),
                seconds_for("DASHBOARD_CACHE_SECONDS"), lambda: _quarter_figures(quarter, today))


def _quarter_figures(quarter: ReportFilter, today: date) -> dict:
    times = decision_time(quarter, today=today)
    result = outcomes(quarter, top=0)  # the share accepted only, not the rejection reasons
    accepted = next(r for r in result["rows"] if r["outcome"] == "accepted")
    return {"decided_90": times["decided"], "median_days_90": times["median_days"],
            "within_share_90": times["within_period_share"], "accepted_share_90": accepted["share"]}


def board_panel(user, today=None) -> dict:
    today = today or local_today()
    month = ReportFilter(date_from=today.replace(day=1), date_to=today)
    quarter = ReportFilter(date_from=today - timedelta(days=89), date_to=today)
    received = db.session.scalar(select(func.count()).select_from(Application)
                                 .where(*month.application_clauses(Application.received_at))) or 0
    figures = quarter_figures(quarter, today)
    by_status = status_counts("open", user, today)
    return {
        "received_month": received,
        "open": sum(n for _s, n in by_status),  # the "open" list's count, per status
        "by_status": by_status,
        "overdue": overdue_count(today),
        "due_week": list_count("due_week", user, today=today),
        **figures,
        # Escalation to the administrator (the viewer cannot open the register).
        "complaints_overdue": _overdue_complaints(today) if user.role == Role.ADMIN.value else None,
        "month_filter": month.as_args(),
        "quarter_filter": quarter.as_args(),
        "by_branch": open_by_branch(user),
    }


def open_by_branch(user) -> list[tuple]:
    """Open requests per receiving branch office ((branch or None for head office, count)), one
    GROUP BY; empty when the organisation has no branches."""
    from models.branch import Branch

    if db.session.scalar(select(Branch.id).limit(1)) is None:
        return []
    query = scope_query(select(Application.branch_id, func.count()).where(Application.status.in_(Status.OPEN)),
                        Application, user)
    counts = dict(db.session.execute(query.group_by(Application.branch_id)).all())
    branches = {b.id: b for b in db.session.scalars(select(Branch).where(Branch.id.in_([k for k in counts if k])))}
    rows = [(branches.get(k), n) for k, n in counts.items() if k in branches]
    rows.sort(key=lambda r: r[0].name_ar)
    if counts.get(None):
        rows.append((None, counts[None]))
    return rows


def privacy_panel(today=None) -> dict:
    """For admins: data-subject requests past their deadline, breaches with the authority clock running."""
    from workflow.privacy import breach_clock, open_breaches, overdue_privacy_requests

    overdue = overdue_privacy_requests(today)
    breaches = [(b, breach_clock(b)) for b in open_breaches()]
    return {"overdue_requests": overdue, "breaches": breaches}


def messages_panel() -> dict:
    """For the office: messages that failed (to look at) and those waiting to be sent by hand."""
    from models.outbox import MessageChannel, MessageState, OutboxMessage

    def count(*where):
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0

    return {"failed": count(OutboxMessage.state == MessageState.FAILED),
            "by_hand": count(OutboxMessage.state == MessageState.QUEUED,
                             OutboxMessage.channel == MessageChannel.RECORD)}


def dashboard_for(user, role: Role, today=None) -> dict:
    panels: dict = {}
    if role == Role.OFFICER:
        panels["officer"] = officer_panel(user, today)
    elif role == Role.SPECIALIST:
        panels["specialist"] = specialist_panel(user, today)
    elif role == Role.COMMITTEE:
        panels["committee"] = committee_panel(user, today)
    if role in (Role.ADMIN, Role.VIEWER):
        panels["board"] = board_panel(user, today)
    if role in ADMIN_ONLY:
        panels["privacy"] = privacy_panel(today)
    if role in (Role.ADMIN, Role.OFFICER):
        panels["messages"] = messages_panel()
    return panels


__all__ = ["LISTS", "ALL", "dashboard_for", "list_allowed", "list_count", "list_query"]
