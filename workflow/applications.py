"""Service requests: receipt, reference numbers, deadlines and the one place
where an application's status changes (record_transition).

The transition rules (which action moves which status, for which role) live in
workflow/state_machine.py and call record_transition(); nothing else assigns
Application.status.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from extensions import db
from models.application import Application, ApplicationEvent, ReferenceCounter, Status
from models.organisation import OrganisationProfile
from models.types import utcnow
from workflow.dates import hijri_year, to_local
from workflow.events import application_changed
from workflow.identity import normalize_digits

DEFAULT_DECISION_PERIOD_DAYS = 14


def default_decision_period() -> int:
    profile = db.session.get(OrganisationProfile, 1)
    return profile.default_decision_period_days if profile and profile.default_decision_period_days else \
        DEFAULT_DECISION_PERIOD_DAYS


def decision_period_for(service_type) -> int:
    return service_type.decision_period_days or default_decision_period()


def compute_decision_due(received_at: datetime, days: int) -> date:
    """The period runs from receipt, counted in the organisation's local calendar days."""
    return to_local(received_at).date() + timedelta(days=days)


def next_reference(received_at: datetime) -> str:
    """REQ-<Hijri year>-<six-digit sequence>, gap-free per year.

    The counter row is incremented with a single UPDATE so concurrent requests
    (several gunicorn workers) never get the same number.
    """
    year = hijri_year(to_local(received_at))
    result = db.session.execute(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1).returning(ReferenceCounter.last))
    number = result.scalar()
    if number is None:
        db.session.add(ReferenceCounter(year=year, last=1))
        db.session.flush()
        number = 1
    return f"REQ-{year}-{number:06d}"


# What may be typed for a reference: REQ-1447-000123 in any case, Eastern Arabic digits, "/" or a
# dash of any kind between the parts, or just the numbers.
_REFERENCE_DASHES = str.maketrans({c: "-" for c in "/\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u0640"})
_WHOLE_OR_START = re.compile(r"^(?:REQ-?)?(\d{4})-(\d{0,6})$")
_START = re.compile(r"^REQ(?:-(\d{0,4}))?$")


def reference_search_terms(text: str, years) -> tuple[list[str], list[str]]:
    """(whole references, reference beginnings) that a search box text stands for.

    "REQ-1447-000123", "req-1447-123", "١٤٤٧/١٢٣" → that reference (a short number is its
    sequence, zero-padded as issued); "1447-12" also finds the references that begin
    "REQ-1447-12"; "REQ-14" → those that begin so; a number alone (up to six digits) is the
    sequence number in each Hijri year in `years`; "1447000123" is year and sequence run
    together. Anything else is no reference: ([], [])."""
    raw = "".join(str(text or "").split()).upper().translate(_REFERENCE_DASHES)
    raw = "".join(normalize_digits(c) if c.isdigit() else c for c in raw)
    whole: list[str] = []
    starts: list[str] = []
    if raw.isdigit():
        if len(raw) <= 6:
            whole = [f"REQ-{year}-{int(raw):06d}" for year in sorted(years)]
        elif len(raw) <= 10:
            whole = [f"REQ-{raw[:4]}-{int(raw[4:]):06d}"]
        return whole, starts
    match = _WHOLE_OR_START.match(raw)
    if match:
        year, number = match.groups()
        if len(number) == 6:
            whole = [f"REQ-{year}-{number}"]
        else:
            starts = [f"REQ-{year}-{number}"]
            if number:
                whole = [f"REQ-{year}-{int(number):06d}"]
        return whole, starts
    match = _START.match(raw)
    if match:
        starts = ["REQ" if match.group(1) is None else "REQ-" + match.group(1)]
    return whole, starts


def reference_clause(text: str):
    """The request list's search: a reference or its number, as equalities and prefix ranges on
    the unique index of application.reference (the old LIKE '%…%' read all 300,000 rows).
    None when the text cannot be a reference."""
    years = db.session.scalars(select(ReferenceCounter.year)).all()
    whole, starts = reference_search_terms(text, years)
    column = Application.reference
    conditions = [column.in_(whole)] if whole else []
    dialect = db.session.get_bind().dialect.name
    for start in starts:
        if dialect == "sqlite":  # a range on the binary-collated column: the index serves it
            conditions.append(and_(column >= start, column < start + "\U0010ffff"))
        else:  # LIKE 'start%' on PostgreSQL: the text_pattern_ops index (migration bench1)
            conditions.append(column.startswith(start, autoescape=True))
    return or_(*conditions) if conditions else None


def days_left(application: Application, today: date | None = None) -> int:
    today = today or to_local(utcnow()).date()
    return (application.decision_due - today).days


def is_overdue(application: Application, today: date | None = None) -> bool:
    return application.status in Status.UNDECIDED and days_left(application, today) < 0


def overdue_clause(today: date | None = None):
    """SQL condition for overdue applications (index: status, decision_due)."""
    today = today or to_local(utcnow()).date()
    return (Application.status.in_(Status.UNDECIDED)) & (Application.decision_due < today)


def overdue_count(today: date | None = None) -> int:
    """How many requests are past their decision date without a decision (for the dashboard)."""
    return db.session.scalar(select(func.count()).select_from(Application).where(overdue_clause(today))) or 0


def record_transition(application: Application, action: str, to_status: str, actor=None, note: str = "") -> ApplicationEvent:
    """Change the status, append the timeline event and tell subscribers."""
    from_status = application.status or ""
    application.status = to_status
    if application.id is not None:
        # A self-transition (the committee defers) must still bump the version,
        # so two concurrent clicks cannot both pass.
        flag_modified(application, "status")
    event = ApplicationEvent(application=application, action=action, from_status=from_status,
                             to_status=to_status, note=note or "", user_id=getattr(actor, "id", None))
    db.session.add(event)
    db.session.flush()
    application_changed.send(application, action=action, from_status=from_status, to_status=to_status, actor=actor)
    return event


def receive_application(beneficiary, service_type, channel=None, *, actor=None, description: str = "",
                        notes: str = "", received_at: datetime | None = None, branch=None,
                        representative=None, applicant=None) -> Application:
    """Register a new request (status `received`) with its reference and deadline.

    The receiving branch is the representative's who brought it in, else `branch`, else the
    receiving staff member's own, else the beneficiary's (workflow.branches.receiving_branch); a
    representative's request comes through the branch-representative channel unless another is
    given. `applicant` (workflow.applicants.Applicant) describes a group's or an organisation's
    request, which has no beneficiary. The caller commits; a failure anywhere rolls back the whole request.
    """
    from workflow.branches import branch_channel, receiving_branch

    received_at = received_at or utcnow()
    if representative is not None and channel is None:
        channel = branch_channel()
    application = Application(
        reference=next_reference(received_at),
        beneficiary=beneficiary,
        service_type=service_type,
        channel=channel,
        received_at=received_at,
        decision_due=compute_decision_due(received_at, decision_period_for(service_type)),
        description=description or "",
        notes=notes or "",
        created_by_id=getattr(actor, "id", None),
        status="",
        branch=receiving_branch(actor, representative, branch, beneficiary),
        representative=representative,
    )
    if applicant is not None and applicant.kind != "person":
        application.beneficiary = None
        application.applicant_kind = applicant.kind
        application.applicant_name = applicant.name
        application.contact_name = applicant.contact_name
        application.contact_phone = applicant.contact_phone
        application.registration_no = applicant.registration_no
        application.expected_beneficiaries = applicant.expected_beneficiaries
    db.session.add(application)
    record_transition(application, "receive", Status.RECEIVED, actor)
    return application


def recent_service_conditions(service_type, day: date) -> list | None:
    """The cool-down rule as SQL conditions on Application: a request for `service_type` accepted
    or served within the service's cool-down before `day` (None when the service has none).
    One rule for the checklist (one beneficiary) and outreach (the whole registry)."""
    days = service_type.cooldown_days or 0
    if days <= 0:
        return None
    from workflow.reports import local_midnight_utc

    when = func.coalesce(Application.served_at, Application.decided_at, Application.received_at)
    return [
        Application.service_type_id == service_type.id,
        (Application.status.in_((Status.ACCEPTED, Status.SERVED))) | Application.served_at.is_not(None),
        when >= local_midnight_utc(day - timedelta(days=days)),
    ]


def recent_requests(service_type, beneficiary_ids, day: date, exclude_id: int | None = None) -> dict:
    """{beneficiary id: their latest request within the cool-down (recent_service_conditions)}."""
    conditions = recent_service_conditions(service_type, day)
    ids = list(beneficiary_ids)
    if conditions is None or not ids:
        return {}
    query = select(Application).where(Application.beneficiary_id.in_(ids), *conditions)
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    latest: dict = {}
    for other in db.session.scalars(query):
        seen = latest.get(other.beneficiary_id)
        other_when = other.served_at or other.decided_at or other.received_at
        if seen is None or other_when > (seen.served_at or seen.decided_at or seen.received_at):
            latest[other.beneficiary_id] = other
    return latest
