"""Suggestions, complaints and praise («متابعة متطلباتهم ومقترحاتهم»): the public form's record,
the response deadline in working days, assignment, the reply sent through workflow.notify, and
the overdue complaints the dashboard escalates."""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.application import Application
from models.feedback import Feedback, FeedbackKind, FeedbackStatus
from models.organisation import OrganisationProfile
from models.public import PublicSubmission
from models.types import utcnow
from workflow.dates import to_local
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed
from workflow.online_requests import find_for_status
from workflow.public_forms import clean_text, notice_version
from workflow.roles import ADMIN_OFFICER, Role
from workflow.working_days import add_working_days, working_days_between

DEFAULT_RESPONSE_DAYS = 5

KIND_LABELS = {
    FeedbackKind.SUGGESTION: _l("Suggestion"),
    FeedbackKind.COMPLAINT: _l("Complaint"),
    FeedbackKind.PRAISE: _l("Praise"),
}
STATUS_LABELS = {FeedbackStatus.OPEN: _l("Waiting for a reply"), FeedbackStatus.ANSWERED: _l("Answered")}
DELIVERY_NOT_LINKED = "not-linked"


class Outcome:
    CREATED = "created"
    RESUBMITTED = "resubmitted"  # the same rendered form sent twice
    NOT_FOUND = "not_found"  # a reference was given that does not match the digits


def response_days() -> int:
    """Working days to answer: the profile's setting, else FEEDBACK_RESPONSE_DAYS, else 5."""
    profile = db.session.get(OrganisationProfile, 1)
    if profile is not None and profile.feedback_response_days:
        return int(profile.feedback_response_days)
    return int(current_app.config.get("FEEDBACK_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def respond_by_for(received_at) -> date:
    return add_working_days(to_local(received_at).date(), response_days())


def _resubmitted(nonce: str) -> bool:
    return db.session.scalar(select(PublicSubmission.id).where(PublicSubmission.token == nonce)) is not None


def submit_feedback(*, nonce: str, ip: str, kind: str, message: str, name: str = "", phone: str = "",
                    email: str = "", reference: str = "", phone_last4: str = "") -> tuple[str, Feedback | None]:
    """Record what the public sent, once per rendered form. A reference links it to the request
    only with the right last four digits of the mobile (the /status check); a wrong pair records
    nothing (the caller asks again). Commits."""
    if kind not in FeedbackKind.ALL:
        raise InvalidInput(_l("Choose suggestion, complaint or praise."))
    if _resubmitted(nonce):
        return Outcome.RESUBMITTED, None
    application = None
    if (reference or "").strip():
        application = find_for_status(reference, phone_last4)
        if application is None:
            return Outcome.NOT_FOUND, None
    now = utcnow()
    feedback = Feedback(kind=kind, message=clean_text(message, multiline=True)[:4000], name=clean_text(name)[:200],
                        phone=phone or "", email=(email or "").strip().lower()[:255],
                        application_id=getattr(application, "id", None),
                        beneficiary_id=getattr(application, "beneficiary_id", None),
                        received_at=now, respond_by=respond_by_for(now), status=FeedbackStatus.OPEN,
                        reply="", reply_delivery="")
    db.session.add(feedback)
    try:
        db.session.flush()
        db.session.add(PublicSubmission(token=nonce, kind="feedback", record_id=feedback.id, consent_at=now,
                                        privacy_notice_version=notice_version(), ip_address=ip,
                                        contact_phone=phone or ""))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a double click: the other request recorded it
        if _resubmitted(nonce):
            return Outcome.RESUBMITTED, None
        raise
    return Outcome.CREATED, feedback


def record_received(actor, *, kind: str, message: str, name: str = "", phone: str = "", email: str = "",
                    reference: str = "") -> Feedback:
    """A suggestion or complaint received by phone, in person or by letter, entered by staff (who may
    link it by reference alone). The caller commits."""
    from workflow.online_requests import normalize_reference

    _require_staff(actor)
    if kind not in FeedbackKind.ALL:
        raise InvalidInput(_l("Choose suggestion, complaint or praise."))
    message = clean_text(message, multiline=True)[:4000]
    if not message:
        raise InvalidInput(_l("Write the message."))
    application = None
    if (reference or "").strip():
        ref = normalize_reference(reference)
        application = db.session.scalar(select(Application).where(Application.reference == ref)) if ref else None
        if application is None:
            raise InvalidInput(_l("No request has this reference number."))
    now = utcnow()
    feedback = Feedback(kind=kind, message=message, name=clean_text(name)[:200], phone=phone or "",
                        email=(email or "").strip().lower()[:255], application_id=getattr(application, "id", None),
                        beneficiary_id=getattr(application, "beneficiary_id", None), received_at=now,
                        respond_by=respond_by_for(now), status=FeedbackStatus.OPEN, assigned_to_id=actor.id,
                        reply="", reply_delivery="")
    db.session.add(feedback)
    db.session.flush()
    return feedback


def _require_staff(actor) -> None:
    try:
        role = Role(getattr(actor, "role", None))
    except ValueError:
        role = None
    if actor is None or not getattr(actor, "active", True) or role not in ADMIN_OFFICER:
        raise NotAllowed(_l("Your role does not allow answering suggestions and complaints."))


def record_reply(feedback: Feedback, actor, reply: str) -> Feedback:
    """Record the answer and send it to the person through workflow.notify when the item is
    linked to a beneficiary (otherwise staff answer by the contact given). The caller commits."""
    from workflow.notify import notify_beneficiary

    _require_staff(actor)
    if feedback.status != FeedbackStatus.OPEN:
        raise IllegalTransition(_l("This item was already answered."))
    reply = clean_text(reply, multiline=True)[:4000]
    if not reply:
        raise InvalidInput(_l("Write the reply."))
    # Conditional update first: two people answering at once send one reply, not two.
    claimed = db.session.execute(
        update(Feedback).where(Feedback.id == feedback.id, Feedback.status == FeedbackStatus.OPEN)
        .values(status=FeedbackStatus.ANSWERED).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise IllegalTransition(_l("This item was already answered."))
    # Then through the ORM, so the audit trail records the reply.
    feedback.reply = reply
    feedback.replied_at = utcnow()
    feedback.replied_by_id = actor.id
    feedback.status = FeedbackStatus.ANSWERED
    if feedback.beneficiary is not None:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ar")):
            from flask_babel import gettext as _

            kind = str(KIND_LABELS.get(feedback.kind, feedback.kind))
            subject = _("Our reply to your %(kind)s (no. %(number)d)", kind=kind, number=feedback.id)
            body = _("Peace be upon you %(name)s,\nThank you for your %(kind)s. Our reply:\n%(reply)s",
                     name=feedback.beneficiary.full_name, kind=kind, reply=reply)
        comm = notify_beneficiary(feedback.beneficiary, subject, body, application=feedback.application, staff=actor)
        feedback.reply_delivery = comm.delivery
    else:
        feedback.reply_delivery = DELIVERY_NOT_LINKED
    db.session.flush()
    return feedback


# -- deadlines and escalation ---------------------------------------------------------
def working_days_left(feedback: Feedback, today: date) -> int:
    return working_days_between(today, feedback.respond_by)


def is_overdue(feedback: Feedback, today: date) -> bool:
    return feedback.status == FeedbackStatus.OPEN and feedback.respond_by < today


def overdue_clause(today: date, kind: str | None = None):
    clause = (Feedback.status == FeedbackStatus.OPEN) & (Feedback.respond_by < today)
    if kind:
        clause = clause & (Feedback.kind == kind)
    return clause


def overdue_complaints(today: date) -> int:
    """Complaints past their response deadline: escalated on the dashboard."""
    return db.session.scalar(select(func.count()).select_from(Feedback)
                             .where(overdue_clause(today, FeedbackKind.COMPLAINT))) or 0


def counts(rf, today: date) -> dict:
    """Received in the period per kind, answered, answered within the deadline, open and overdue now."""
    clauses = rf.in_range(Feedback.received_at)
    rows = db.session.execute(
        select(Feedback.kind, func.count(Feedback.id), func.count(Feedback.replied_at))
        .where(*clauses).group_by(Feedback.kind)).all()
    per_kind = {k: (n, answered) for k, n, answered in rows}
    # Replied on or before the deadline, in the organisation's calendar (one query, no per-row loads).
    answered_in_time = sum(1 for replied_at, respond_by in db.session.execute(
        select(Feedback.replied_at, Feedback.respond_by).where(*clauses, Feedback.replied_at.is_not(None)))
        if to_local(replied_at).date() <= respond_by)
    overdue_now = dict(db.session.execute(select(Feedback.kind, func.count(Feedback.id))
                                          .where(overdue_clause(today)).group_by(Feedback.kind)).all())
    kinds = [{"kind": k, "received": per_kind.get(k, (0, 0))[0], "answered": per_kind.get(k, (0, 0))[1],
              "overdue": overdue_now.get(k, 0)} for k in FeedbackKind.ALL]
    return {"kinds": kinds, "received": sum(r["received"] for r in kinds),
            "answered": sum(r["answered"] for r in kinds), "answered_in_time": answered_in_time,
            "overdue": sum(r["overdue"] for r in kinds)}
