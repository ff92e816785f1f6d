"""Service requests: receipt, reference numbers, deadlines and the one place
where an application's status changes (record_transition).

The transition rules (which action moves which status, for which role) live in
workflow/state_machine.py and call record_transition(); nothing else assigns
Application.status.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import flag_modified

from extensions import db
from models.application import Application, ApplicationEvent, ReferenceCounter, Status
from models.organisation import OrganisationProfile
from models.types import utcnow
from workflow.dates import hijri_year, to_local
from workflow.events import application_changed

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
