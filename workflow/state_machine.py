"""The application's state machine (DESIGN.md §3), in one place.

TRANSITIONS is the table: action → allowed from-statuses → to-status(es) → roles.
Each action is a function that checks, in this order, the actor's role, the
current status, the action's own guards and inputs, and only then changes
anything, through workflow.applications.record_transition(). A refused action
raises a WorkflowError (translatable message) and has changed nothing.

Concurrency: Application carries a version column (optimistic lock). If two
people act on the same request at once, the second flush finds the version
moved on; the whole unit of work is rolled back and ConcurrentChange is raised.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from extensions import db
from models.application import Application, ApplicationEvent, Research, Status
from models.committee import Decision, Outcome
from models.service import VerificationMechanism
from models.types import utcnow
from workflow import committee as committee_rules
from workflow.applications import record_transition
from workflow.checklist import passed, run_checklist
from workflow.dates import to_local
from workflow.errors import (
    ChecklistFailed,
    ConcurrentChange,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    WorkflowError,
)
from workflow.roles import Role

__all__ = [
    "TRANSITIONS", "Transition", "WorkflowError", "NotAllowed", "IllegalTransition", "InvalidInput",
    "ConcurrentChange", "ChecklistFailed", "verify", "mark_incomplete", "supply", "refer_to_specialist",
    "submit_research", "raise_to_committee", "decide", "deliver", "close", "withdraw", "available_actions",
    "STATUS_LABELS", "status_label", "ACTION_LABELS", "RESEARCH_MECHANISMS", "RECOMMENDATIONS",
]

OFFICE = frozenset({Role.ADMIN, Role.OFFICER})
RESEARCHER = frozenset({Role.SPECIALIST})
COMMITTEE = frozenset({Role.COMMITTEE})

# Open states a request can be withdrawn from. A served request is finished:
# it is closed, not withdrawn.
WITHDRAWABLE = Status.UNDECIDED + (Status.ACCEPTED,)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    roles: frozenset[Role]
    label: object
    needs_input: bool = False


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("verify", (Status.RECEIVED,), (Status.VERIFIED,), OFFICE, _l("Verify")),
    Transition("mark_incomplete", (Status.RECEIVED, Status.VERIFIED), (Status.INCOMPLETE,), OFFICE,
               _l("Mark incomplete"), needs_input=True),
    Transition("supply", (Status.INCOMPLETE,), (Status.RECEIVED,), OFFICE, _l("Missing items supplied")),
    Transition("refer_to_specialist", (Status.RECEIVED, Status.VERIFIED), (Status.WITH_SPECIALIST,), OFFICE,
               _l("Refer to specialist"), needs_input=True),
    # Back to where it was referred from, carrying the specialist's recommendation, once every
    # mechanism the referral asked for is recorded; until then it stays with the specialist.
    Transition("submit_research", (Status.WITH_SPECIALIST,), (Status.RECEIVED, Status.VERIFIED,
                                                              Status.WITH_SPECIALIST), RESEARCHER,
               _l("Submit research"), needs_input=True),
    Transition("raise_to_committee", (Status.VERIFIED,), (Status.AWAITING_COMMITTEE,), OFFICE,
               _l("Raise to committee")),
    # Defer keeps the request awaiting the committee (recorded on the timeline).
    Transition("decide", (Status.AWAITING_COMMITTEE,), (Status.ACCEPTED, Status.REJECTED, Status.AWAITING_COMMITTEE),
               COMMITTEE, _l("Record decision"), needs_input=True),
    Transition("deliver", (Status.ACCEPTED,), (Status.SERVED,), OFFICE, _l("Deliver service")),
    Transition("close", (Status.SERVED, Status.REJECTED), (Status.CLOSED,), OFFICE, _l("Close")),
    Transition("withdraw", WITHDRAWABLE, (Status.WITHDRAWN,), OFFICE, _l("Withdraw"), needs_input=True),
)}

ACTION_LABELS = {name: t.label for name, t in TRANSITIONS.items()}

STATUS_LABELS = {
    Status.RECEIVED: _l("Received"),
    Status.INCOMPLETE: _l("Incomplete"),
    Status.WITH_SPECIALIST: _l("With specialist"),
    Status.VERIFIED: _l("Verified"),
    Status.AWAITING_COMMITTEE: _l("Awaiting committee"),
    Status.ACCEPTED: _l("Accepted"),
    Status.REJECTED: _l("Rejected"),
    Status.SERVED: _l("Served"),
    Status.CLOSED: _l("Closed"),
    Status.WITHDRAWN: _l("Withdrawn"),
}

EVENT_LABELS = {**ACTION_LABELS, "receive": _l("Received"), "defer": _l("Deferred by the committee"),
                "accept": _l("Accepted by the committee"), "reject": _l("Rejected by the committee")}

RESEARCH_MECHANISMS = {
    "interview": _l("Personal interview"),
    "field_visit": _l("Field visit"),
    "document_review": _l("Document review"),
}
RECOMMENDATIONS = {
    "accept": _l("Accept"),
    "reject": _l("Reject"),
    "more_information": _l("More information needed"),
}
OUTCOME_LABELS = {Outcome.ACCEPT: _l("Accept"), Outcome.REJECT: _l("Reject"), Outcome.DEFER: _l("Defer")}

# Service-type mechanisms that need the specialist's research before the committee.
_MECHANISM_RESEARCH = {
    VerificationMechanism.PERSONAL_INTERVIEW: "interview",
    VerificationMechanism.FIELD_VISIT: "field_visit",
}
MECHANISM_LABELS = {
    VerificationMechanism.ADMINISTRATIVE_REVIEW: _l("Administrative review"),
    VerificationMechanism.PERSONAL_INTERVIEW: _l("Personal interview"),
    VerificationMechanism.FIELD_VISIT: _l("Field visit"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# -- guards ----------------------------------------------------------------
def _role_of(actor) -> Role | None:
    try:
        return Role(getattr(actor, "role", None))
    except ValueError:
        return None


def check(action: str, application: Application, actor) -> Transition:
    """Role, then status. Raises NotAllowed / IllegalTransition; changes nothing."""
    transition = TRANSITIONS[action]
    if actor is None or not getattr(actor, "active", True) or _role_of(actor) not in transition.roles:
        raise NotAllowed(_l("Your role does not allow “%(action)s”.", action=transition.label))
    if application.status not in transition.sources:
        raise IllegalTransition(_l("“%(action)s” is not possible for request %(reference)s while it is %(status)s.",
                                   action=transition.label, reference=application.reference,
                                   status=status_label(application.status)))
    return transition


def can(action: str, application: Application, actor) -> bool:
    try:
        check(action, application, actor)
    except WorkflowError:
        return False
    return True


def available_actions(application: Application, actor) -> list[Transition]:
    """Actions the actor's role may take from the current status (buttons to draw)."""
    return [t for t in TRANSITIONS.values() if can(t.action, application, actor)]


def _require_text(value: str | None, message) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message)
    return text


def _commit_point(application: Application, action: str, to_status: str, actor, note: str = ""):
    """Record the transition; a concurrent change rolls everything back."""
    try:
        event = record_transition(application, action, to_status, actor, note)
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ConcurrentChange(_l("Request %(reference)s was changed by someone else a moment ago. "
                                  "Reload the page to see its current state.", reference=application.reference))
    return event


def _stale_guard(application: Application) -> None:
    """Refuse early if the row already moved on (another click committed first)."""
    if application.id is None:
        return
    from sqlalchemy import select

    current = db.session.execute(
        select(Application.version, Application.status).where(Application.id == application.id)
        .execution_options(populate_existing=False)).first()
    if current is not None and current.version != application.version:
        raise ConcurrentChange(_l("Request %(reference)s was changed by someone else a moment ago. "
                                  "Reload the page to see its current state.", reference=application.reference))


# -- actions -----------------------------------------------------------------
def verify(application: Application, actor, note: str = "") -> list[dict]:
    """Run the checklist; if it passes, the request is verified. Returns the checklist."""
    check("verify", application, actor)
    _stale_guard(application)
    items = run_checklist(application)
    if not passed(items):
        raise ChecklistFailed(_l("Request %(reference)s did not pass verification; see the checklist.",
                                 reference=application.reference), items)
    application.checklist = items
    application.missing_items = []
    _commit_point(application, "verify", Status.VERIFIED, actor, note)
    return items


def mark_incomplete(application: Application, actor, missing: list[str] | str, note: str = "") -> None:
    """Tell the beneficiary what is missing; the request waits for it."""
    check("mark_incomplete", application, actor)
    if isinstance(missing, str):
        missing = missing.splitlines()
    missing = [m.strip() for m in missing if m and m.strip()]
    if not missing:
        raise InvalidInput(_l("List at least one missing item."))
    _stale_guard(application)
    application.checklist = run_checklist(application)
    application.missing_items = missing
    _commit_point(application, "mark_incomplete", Status.INCOMPLETE, actor, note or "؛ ".join(missing))
    # The beneficiary's message is written by workflow.messaging.events (same transaction).


def supply(application: Application, actor, note: str = "") -> None:
    """The missing items arrived: back to `received` for a new verification."""
    check("supply", application, actor)
    _stale_guard(application)
    supplied = "؛ ".join(application.missing_items or [])
    application.missing_items = []
    _commit_point(application, "supply", Status.RECEIVED, actor, note or supplied)


def refer_to_specialist(application: Application, actor, specialist, reason: str,
                        mechanisms=()) -> Research:
    """Refer to a specialist. `mechanisms` (field visit, interview…) are each recorded separately
    (one Research each); the request comes back when all are. None: the specialist chooses."""
    check("refer_to_specialist", application, actor)
    if specialist is None or getattr(specialist, "role", None) != Role.SPECIALIST.value or not specialist.active:
        raise InvalidInput(_l("Choose an active social-research specialist."))
    reason = _require_text(reason, _l("A reason for the referral is required."))
    wanted = {m for m in (mechanisms or ()) if m}
    if wanted - set(RESEARCH_MECHANISMS):
        raise InvalidInput(_l("Choose how the research is to be done."))
    mechanisms = [m for m in RESEARCH_MECHANISMS if m in wanted]
    _stale_guard(application)
    now = utcnow()
    rows = [Research(application=application, specialist_id=specialist.id, referral_reason=reason,
                     referred_at=now, mechanism=m) for m in (mechanisms or [""])]
    db.session.add_all(rows)
    application.assigned_specialist_id = specialist.id
    asked = "، ".join(str(RESEARCH_MECHANISMS[m]) for m in mechanisms)
    _commit_point(application, "refer_to_specialist", Status.WITH_SPECIALIST, actor,
                  f"{specialist.full_name}: {reason}" + (f" ({asked})" if asked else ""))
    return rows[0]


def open_researches(application: Application) -> list[Research]:
    """What the current referral still waits for, one row per mechanism asked."""
    return [r for r in application.research if r.submitted_at is None]


def open_research(application: Application) -> Research | None:
    pending = open_researches(application)
    return pending[-1] if pending else None


def _pending_for(application: Application, mechanism: str) -> Research | None:
    pending = open_researches(application)
    return (next((r for r in pending if r.mechanism == mechanism), None)
            or next((r for r in pending if not r.mechanism), None))


def _referred_from(application: Application) -> str:
    events = [e for e in application.events if e.action == "refer_to_specialist"]
    source = events[-1].from_status if events else Status.RECEIVED
    return source if source in (Status.RECEIVED, Status.VERIFIED) else Status.RECEIVED


def submit_research(application: Application, actor, *, mechanism: str, conducted_on: date | None,
                    findings: str, household_situation: str = "", recommendation: str,
                    attachments=()) -> Research:
    """The assigned specialist's report; the request returns to the officer's queue."""
    check("submit_research", application, actor)
    if application.assigned_specialist_id != actor.id:
        raise NotAllowed(_l("This request is assigned to another specialist."))
    if open_research(application) is None or open_research(application).specialist_id != actor.id:
        raise NotAllowed(_l("This request is assigned to another specialist."))
    if mechanism not in RESEARCH_MECHANISMS:
        raise InvalidInput(_l("Choose how the research was done."))
    research = _pending_for(application, mechanism)
    if research is None:
        raise InvalidInput(_l("The referral did not ask for %(mechanism)s, or it is already recorded.",
                              mechanism=RESEARCH_MECHANISMS[mechanism]))
    if recommendation not in RECOMMENDATIONS:
        raise InvalidInput(_l("Choose a recommendation."))
    if conducted_on is None:
        raise InvalidInput(_l("The date of the research is required."))
    if conducted_on > to_local(utcnow()).date():
        raise InvalidInput(_l("The date of the research cannot be in the future."))
    findings = _require_text(findings, _l("Findings are required."))
    _stale_guard(application)
    still_open = [r for r in open_researches(application) if r is not research]
    target = Status.WITH_SPECIALIST if still_open else _referred_from(application)
    research.mechanism = mechanism
    research.conducted_on = conducted_on
    research.findings = findings
    research.household_situation = (household_situation or "").strip()
    research.recommendation = recommendation
    research.submitted_at = utcnow()
    for stored in attachments:
        research.attachments.append(stored)
    application.recommendation = recommendation
    _commit_point(application, "submit_research", target, actor,
                  f"{RESEARCH_MECHANISMS[mechanism]}: {RECOMMENDATIONS[recommendation]}")
    return research


def missing_mechanisms(application: Application) -> list[str]:
    """Mechanisms the service type requires that no submitted research covers."""
    done = {r.mechanism for r in application.research if r.submitted_at is not None}
    wanted = application.service_type.verification_mechanisms or []
    return [m for m in wanted if m in _MECHANISM_RESEARCH and _MECHANISM_RESEARCH[m] not in done]


def missing_research(application: Application) -> list[str]:
    """The research mechanisms (interview, field_visit) the service still needs: a referral's default."""
    return [_MECHANISM_RESEARCH[m] for m in missing_mechanisms(application)]


def raise_to_committee(application: Application, actor, note: str = "") -> None:
    check("raise_to_committee", application, actor)
    lacking = missing_mechanisms(application)
    if lacking:
        names = "، ".join(str(MECHANISM_LABELS[m]) for m in lacking)
        raise IllegalTransition(_l("This service requires %(mechanisms)s before the committee: "
                                   "refer the request to the specialist first.", mechanisms=names))
    _stale_guard(application)
    _commit_point(application, "raise_to_committee", Status.AWAITING_COMMITTEE, actor, note)


def decide(application: Application, actor, session, outcome: str, reason: str = "", granted: str = "") -> Decision:
    """A present member of an open, quorate session decides an item on its agenda."""
    check("decide", application, actor)
    if session is None:
        raise InvalidInput(_l("Choose the committee session."))
    if session.status != committee_rules.OPEN:
        raise IllegalTransition(_l("Session %(number)s is closed; its decisions are locked.", number=session.number))
    if not committee_rules.is_member(session, actor):
        raise NotAllowed(_l("You are not a member of session %(number)s.", number=session.number))
    if not committee_rules.is_present(session, actor):
        raise NotAllowed(_l("Mark your presence in the session before deciding."))
    if not committee_rules.has_quorum(session):
        raise IllegalTransition(_l("The session has no quorum: %(present)d present, %(needed)d needed.",
                                   present=len(session.present), needed=committee_rules.required_quorum(session)))
    if not any(item.application_id == application.id for item in session.agenda):
        raise IllegalTransition(_l("Request %(reference)s is not on the agenda of session %(number)s.",
                                   reference=application.reference, number=session.number))
    if outcome not in Outcome.ALL:
        raise InvalidInput(_l("Choose accept, reject or defer."))
    reason = (reason or "").strip()
    if outcome in (Outcome.REJECT, Outcome.DEFER) and not reason:
        raise InvalidInput(_l("A reason is required to reject or defer."))
    _stale_guard(application)
    decision = Decision(application=application, session=session, outcome=outcome, reason=reason,
                        granted=(granted or "").strip() if outcome == Outcome.ACCEPT else "",
                        recorded_by_id=actor.id, recorded_at=utcnow())
    db.session.add(decision)
    to_status = {Outcome.ACCEPT: Status.ACCEPTED, Outcome.REJECT: Status.REJECTED,
                 Outcome.DEFER: Status.AWAITING_COMMITTEE}[outcome]
    if outcome != Outcome.DEFER:
        application.decided_at = decision.recorded_at
    _commit_point(application, outcome, to_status, actor, f"{session.number}: {reason or decision.granted}")
    return decision


def deliver(application: Application, actor, note: str = "") -> None:
    check("deliver", application, actor)
    _stale_guard(application)
    application.served_at = utcnow()
    _commit_point(application, "deliver", Status.SERVED, actor, note)


def close(application: Application, actor, note: str = "") -> None:
    check("close", application, actor)
    _stale_guard(application)
    application.closed_at = utcnow()
    _commit_point(application, "close", Status.CLOSED, actor, note)


def withdraw(application: Application, actor, reason: str) -> None:
    check("withdraw", application, actor)
    reason = _require_text(reason, _l("A reason for the withdrawal is required."))
    _stale_guard(application)
    application.closed_at = utcnow()
    _commit_point(application, "withdraw", Status.WITHDRAWN, actor, reason)


def timeline(application: Application) -> list[ApplicationEvent]:
    return list(application.events)
