"""Satisfaction surveys: a one-time link when a request is served, answered once.

The link's token is random (256 bits) and only its SHA-256 is stored, so a copy
of the database cannot be used to answer in someone's name.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.application import Application, Status
from models.reference import Channel
from models.service import ServiceType
from models.survey import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from models.types import utcnow
from models.user import User
from workflow.events import application_changed
from workflow.public_forms import clean_text

DEFAULT_VALID_DAYS = 30

# Seeded by `flask seed` so the link sent on delivery is useful on day one. The policies ask to
# measure satisfaction "to raise the quality of the service and the performance of its provider",
# after receiving the beneficiary politely and answering within the set period.
DEFAULT_QUESTIONS = (
    ("ما مدى رضاكم عن جودة الخدمة المقدمة لكم؟", "How satisfied are you with the quality of the service?"),
    ("ما مدى رضاكم عن تعامل الموظف واحترافيته؟",
     "How satisfied are you with the staff member's courtesy and professionalism?"),
    ("ما مدى رضاكم عن سرعة الرد على طلبكم في المدة المحددة؟",
     "How satisfied are you with how quickly your request was answered?"),
    ("ما مدى وضوح المعلومات والإجراءات المطلوبة منكم؟", "How clear were the information and steps asked of you?"),
    ("ما مدى رضاكم العام عن تجربتكم مع الجمعية؟", "Overall, how satisfied are you with your experience with us?"),
)


def load_default_questions() -> int:
    """The default questions when there are none. Returns rows added (the caller commits)."""
    if db.session.scalar(db.select(func.count(SurveyQuestion.id))):
        return 0
    for order, (text_ar, text_en) in enumerate(DEFAULT_QUESTIONS, start=1):
        db.session.add(SurveyQuestion(text_ar=text_ar, text_en=text_en, active=True, sort_order=order * 10))
    return len(DEFAULT_QUESTIONS)


class SurveyError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def survey_url(token: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return f"{base}/survey/{token}"
    if has_request_context():
        return url_for("public.survey", token=token, _external=True)
    return f"/survey/{token}"


def create_invitation(application: Application, staff=None) -> tuple[SurveyInvitation, str] | None:
    """A new invitation and its clear token (shown once, in the message). None if one exists."""
    if db.session.scalar(db.select(SurveyInvitation.id).where(SurveyInvitation.application_id == application.id)):
        return None
    token = secrets.token_urlsafe(32)
    days = int(current_app.config.get("SURVEY_VALID_DAYS", DEFAULT_VALID_DAYS))
    invitation = SurveyInvitation(application_id=application.id, token_hash=hash_token(token),
                                  staff_id=getattr(staff, "id", None), expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def invite_after_service(application: Application, staff=None) -> SurveyInvitation | None:
    """Create the invitation and queue the link to the beneficiary (workflow/messaging)."""
    from workflow.messaging import outbox

    created = create_invitation(application, staff)
    if created is None:
        return None
    invitation, token = created
    outbox.survey_link(application, survey_url(token), staff)
    return invitation


def _on_application_changed(application, **kwargs) -> None:
    if kwargs.get("to_status") == Status.SERVED:
        invite_after_service(application, kwargs.get("actor"))


def install() -> None:
    """Subscribe once to the state machine's signal (idempotent)."""
    application_changed.connect(_on_application_changed, weak=False)


def find_open_invitation(token: str) -> SurveyInvitation | None:
    """The invitation for a token if it is unused and not expired; None otherwise (one answer for all)."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(db.select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation


def active_questions() -> list[SurveyQuestion]:
    return list(db.session.scalars(db.select(SurveyQuestion).where(SurveyQuestion.active.is_(True))
                                   .order_by(SurveyQuestion.sort_order, SurveyQuestion.id)))


def submit_response(token: str, ratings: dict[int, int], comment: str = "") -> SurveyResponse:
    """Record the answers and use up the token, in one transaction. Commits."""
    invitation = find_open_invitation(token)
    if invitation is None:
        raise SurveyError(_l("This survey link is not valid, has expired or was already used."))
    questions = {q.id: q for q in active_questions()}
    for qid, rating in ratings.items():
        if qid not in questions or not 1 <= int(rating) <= 5:
            raise SurveyError(_l("Please give every question a rating from 1 to 5."))
    application = invitation.application
    # Conditional update: of two simultaneous submissions only one finds the link unused.
    used = db.session.execute(
        db.update(SurveyInvitation).where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
        .values(used_at=utcnow()))
    if used.rowcount != 1:
        db.session.rollback()
        raise SurveyError(_l("This survey link is not valid, has expired or was already used."))
    response = SurveyResponse(invitation_id=invitation.id, application_id=application.id,
                              service_type_id=application.service_type_id, channel_id=application.channel_id,
                              staff_id=invitation.staff_id, comment=clean_text(comment, multiline=True)[:2000])
    response.answers = [SurveyAnswer(question_id=qid, rating=int(r)) for qid, r in sorted(ratings.items())]
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise SurveyError(_l("This survey link is not valid, has expired or was already used."))
    return response


# -- results for the panel ---------------------------------------------------------

GROUPINGS = {
    "service_type": (SurveyResponse.service_type_id, ServiceType),
    "channel": (SurveyResponse.channel_id, Channel),
    "staff": (SurveyResponse.staff_id, User),
}


def results(group: str, start=None, end=None) -> dict:
    """Average rating per group and per question, response counts; a fixed number of queries."""
    column, model = GROUPINGS[group]
    filters = []
    if start is not None:
        filters.append(SurveyResponse.submitted_at >= start)
    if end is not None:
        filters.append(SurveyResponse.submitted_at < end)
    rows = db.session.execute(
        db.select(column, SurveyAnswer.question_id, func.avg(SurveyAnswer.rating), func.count(SurveyAnswer.id))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(*filters).group_by(column, SurveyAnswer.question_id)).all()
    counts = dict(db.session.execute(
        db.select(column, func.count(SurveyResponse.id)).where(*filters).group_by(column)).all())
    overall = dict((k, (float(a or 0), n)) for k, a, n in db.session.execute(
        db.select(column, func.avg(SurveyAnswer.rating), func.count(SurveyAnswer.id))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(*filters).group_by(column)).all())
    ids = {k for k in counts if k is not None}
    names = {obj.id: str(obj) for obj in db.session.scalars(db.select(model).where(model.id.in_(ids)))} if ids else {}
    questions = list(db.session.scalars(db.select(SurveyQuestion).order_by(SurveyQuestion.sort_order,
                                                                          SurveyQuestion.id)))
    table = {}
    for key, qid, avg, n in rows:
        table.setdefault(key, {})[qid] = round(float(avg or 0), 2)
    groups = []
    for key, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        groups.append({
            "name": names.get(key) or str(_l("Not recorded")),
            "responses": count,
            "average": round(overall.get(key, (0, 0))[0], 2),
            "per_question": table.get(key, {}),
        })
    invitations = db.session.scalar(db.select(func.count(SurveyInvitation.id))) or 0
    total = sum(counts.values())
    return {"groups": groups, "questions": questions, "responses": total, "invitations": invitations,
            "response_rate": round(100.0 * total / invitations, 1) if invitations else 0.0}


def recent_comments(limit: int = 50) -> list[SurveyResponse]:
    return list(db.session.scalars(
        db.select(SurveyResponse).where(SurveyResponse.comment != "")
        .order_by(SurveyResponse.submitted_at.desc()).limit(limit)))
