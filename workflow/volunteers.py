"""Volunteer registration (public) and the staff's status changes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError

from extensions import db
from models.public import PublicSubmission
from models.types import utcnow
from models.volunteer import Volunteer, VolunteerField, VolunteerStatus
from workflow.public_forms import clean_text, notice_version

WEEKDAYS = (("sat", _l("Saturday")), ("sun", _l("Sunday")), ("mon", _l("Monday")), ("tue", _l("Tuesday")),
            ("wed", _l("Wednesday")), ("thu", _l("Thursday")), ("fri", _l("Friday")))
DAY_PARTS = (("morning", _l("Mornings")), ("afternoon", _l("Afternoons")), ("evening", _l("Evenings")),
             ("weekends", _l("Weekends only")), ("remote", _l("Remotely, online")))
EDUCATION = (("", _l("— choose —")), ("primary", _l("Primary or intermediate")), ("secondary", _l("Secondary")),
             ("diploma", _l("Diploma")), ("bachelor", _l("Bachelor's degree")), ("postgraduate", _l("Postgraduate")))
HOW_HEARD = (("", _l("— choose —")), ("social_media", _l("Social media")), ("friend", _l("A friend or relative")),
             ("website", _l("The website")), ("event", _l("An event or campaign")),
             ("volunteer_platform", _l("The national volunteering platform")), ("other", _l("Other")))
STATUS_LABELS = {
    VolunteerStatus.NEW: _l("New"),
    VolunteerStatus.CONTACTED: _l("Contacted"),
    VolunteerStatus.ACTIVE: _l("Active"),
    VolunteerStatus.DECLINED: _l("Declined"),
}
# new → contacted → active / declined; a declined volunteer can be contacted again.
TRANSITIONS = {
    VolunteerStatus.NEW: {VolunteerStatus.CONTACTED, VolunteerStatus.DECLINED},
    VolunteerStatus.CONTACTED: {VolunteerStatus.ACTIVE, VolunteerStatus.DECLINED},
    VolunteerStatus.ACTIVE: {VolunteerStatus.DECLINED},
    VolunteerStatus.DECLINED: {VolunteerStatus.CONTACTED},
}


class VolunteerError(ValueError):
    pass


class Outcome:
    CREATED = "created"
    ALREADY_REGISTERED = "already_registered"
    RESUBMITTED = "resubmitted"  # the same rendered form sent twice


def active_fields(kind: str | None = None) -> list[VolunteerField]:
    query = db.select(VolunteerField).where(VolunteerField.active.is_(True))
    if kind:
        query = query.where(VolunteerField.kind == kind)
    return list(db.session.scalars(query.order_by(VolunteerField.sort_order, VolunteerField.id)))


def _exists(national_id: str) -> bool:
    return db.session.scalar(db.select(Volunteer.id).where(Volunteer.national_id == national_id)) is not None


def _resubmitted(nonce: str) -> bool:
    return db.session.scalar(db.select(PublicSubmission.id).where(PublicSubmission.token == nonce)) is not None


def register_volunteer(*, nonce: str, ip: str, full_name: str, national_id: str, phone: str, email: str = "",
                       gender: str = "", birth_date=None, city: str = "", education: str = "",
                       field_ids: list[int] | None = None, availability_days: list[str] | None = None,
                       availability_hours: list[str] | None = None, how_heard: str = "",
                       message: str = "") -> Outcome:
    """Create a volunteer in status `new`, once per ID and once per rendered form.

    A known ID changes nothing: the caller tells the person politely, without
    showing anything of the existing record. Commits.
    """
    if _resubmitted(nonce):
        return Outcome.RESUBMITTED
    if _exists(national_id):
        return Outcome.ALREADY_REGISTERED
    wanted = set(field_ids or [])
    fields = [f for f in active_fields() if f.id in wanted]
    now = utcnow()
    volunteer = Volunteer(
        full_name=clean_text(full_name)[:200], national_id=national_id, phone=phone, email=(email or "").strip().lower(),
        gender=gender or "", birth_date=birth_date, city=clean_text(city)[:60], education=education or "",
        availability_days=[d for d, _ in WEEKDAYS if d in set(availability_days or [])],
        availability_hours=[h for h, _ in DAY_PARTS if h in set(availability_hours or [])],
        how_heard=how_heard or "", message=clean_text(message, multiline=True)[:2000], status=VolunteerStatus.NEW,
        consent_at=now, privacy_notice_version=notice_version(), fields=fields,
    )
    db.session.add(volunteer)
    try:
        db.session.flush()
        db.session.add(PublicSubmission(token=nonce, kind="volunteer", record_id=volunteer.id, consent_at=now,
                                        privacy_notice_version=notice_version(), ip_address=ip))
        from workflow.messaging import outbox

        outbox.volunteer_received(volunteer)  # the thank-you message, written with the registration
        db.session.commit()
    except (IntegrityError, OperationalError):
        # A concurrent double click: the other request won the race (or held SQLite's lock).
        db.session.rollback()
        if _resubmitted(nonce):
            return Outcome.RESUBMITTED
        if _exists(national_id):
            return Outcome.ALREADY_REGISTERED
        raise
    return Outcome.CREATED


def check_status_change(old: str, new: str) -> None:
    if old == new:
        return
    if new not in TRANSITIONS.get(old, set()):
        raise VolunteerError(_l("A volunteer cannot move from “%(old)s” to “%(new)s”.",
                                old=STATUS_LABELS.get(old, old), new=STATUS_LABELS.get(new, new)))


def set_status(volunteer: Volunteer, new: str) -> None:
    check_status_change(volunteer.status, new)
    volunteer.status = new
