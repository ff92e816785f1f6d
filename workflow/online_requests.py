"""Online service requests (the website channel) and the public status check."""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError

from extensions import db
from models.application import Application, Status
from models.beneficiary import Beneficiary, Declaration, DeclarationMethod, DeclarationText, Document
from models.public import PublicSubmission
from models.reference import Channel
from models.service import ServiceType
from models.types import utcnow
from workflow.applications import decision_period_for, receive_application
from workflow.arabic import fold_arabic
from workflow.identity import normalize_digits
from workflow.phones import last4
from workflow.public_forms import clean_text, notice_version
from workflow.regions import region_code, region_label
from workflow.storage import save_upload

WEBSITE_CHANNEL = "website"

# What the public sees of each status: plain words, nothing internal.
PUBLIC_STATUS = {
    Status.RECEIVED: _l("Received, being checked"),
    Status.INCOMPLETE: _l("Waiting for missing information from you"),
    Status.WITH_SPECIALIST: _l("Under social research"),
    Status.VERIFIED: _l("Checked, waiting for the committee"),
    Status.AWAITING_COMMITTEE: _l("With the committee for a decision"),
    Status.ACCEPTED: _l("Accepted"),
    Status.REJECTED: _l("Not accepted"),
    Status.SERVED: _l("Service delivered"),
    Status.CLOSED: _l("Closed"),
    Status.WITHDRAWN: _l("Withdrawn"),
}


class RequestError(ValueError):
    pass


@dataclass
class Applicant:
    national_id: str
    nationality: str
    first_name: str
    father_name: str
    grandfather_name: str
    family_name: str
    gender: str
    birth_date: date | None
    phone: str
    email: str = ""
    region: str = ""
    city: str = ""

    def cleaned(self) -> "Applicant":
        return Applicant(
            national_id=self.national_id, nationality=self.nationality,
            first_name=clean_text(self.first_name)[:60], father_name=clean_text(self.father_name)[:60],
            grandfather_name=clean_text(self.grandfather_name)[:60], family_name=clean_text(self.family_name)[:60],
            gender=self.gender, birth_date=self.birth_date, phone=self.phone,
            email=(self.email or "").strip().lower()[:255], region=region_code(self.region) or "",
            city=clean_text(self.city)[:60])


@dataclass
class Upload:
    document_type: object
    file_storage: object


@dataclass
class Result:
    application: Application
    resubmitted: bool = False
    existing_beneficiary: bool = False
    differences: list[str] = field(default_factory=list)


def active_service_types() -> list[ServiceType]:
    return list(db.session.scalars(db.select(ServiceType).where(ServiceType.active.is_(True))
                                   .order_by(ServiceType.name_ar)))


def latest_declaration_text() -> DeclarationText | None:
    return db.session.scalar(db.select(DeclarationText).order_by(DeclarationText.version.desc()).limit(1))


def website_channel() -> Channel:
    """The website channel; created (inactive lists aside) the first time a request arrives."""
    channel = db.session.scalar(db.select(Channel).where(Channel.code == WEBSITE_CHANNEL))
    if channel is None:
        channel = Channel(code=WEBSITE_CHANNEL, name_ar="الموقع الإلكتروني", name_en="Website", active=True,
                          sort_order=70)
        db.session.add(channel)
        db.session.flush()
    return channel


def signature_matches(signed_name: str, applicant: Applicant) -> bool:
    """The typed signature must contain the applicant's first and family names."""
    typed = fold_arabic(clean_text(signed_name))
    first, family = fold_arabic(applicant.first_name), fold_arabic(applicant.family_name)
    return bool(first and family and first in typed and family in typed)


_COMPARED = (
    ("first_name", _l("First name")), ("father_name", _l("Father's name")),
    ("grandfather_name", _l("Grandfather's name")), ("family_name", _l("Family name")),
    ("gender", _l("Gender")), ("birth_date", _l("Birth date")), ("nationality", _l("Nationality")),
    ("phone", _l("Mobile number")), ("email", _l("Email")), ("region", _l("Region")), ("city", _l("City")),
)


def differences(existing: Beneficiary, applicant: Applicant) -> list[str]:
    """Human-readable differences between the registry and what was typed online."""
    found = []
    for name, label in _COMPARED:
        typed, stored = getattr(applicant, name), getattr(existing, name)
        if name == "region":
            typed, stored = region_label(typed), region_label(stored)
        if typed in (None, ""):
            continue
        if isinstance(typed, str) and isinstance(stored, str):
            if fold_arabic(typed) == fold_arabic(stored):
                continue
        elif typed == stored:
            continue
        found.append(f"{label}: «{typed}» ({_l('registry')}: «{stored or '—'}»)")
    return found


def _find_submission(nonce: str) -> PublicSubmission | None:
    return db.session.scalar(db.select(PublicSubmission).where(PublicSubmission.token == nonce,
                                                               PublicSubmission.kind == "request"))


# Sends of one form racing each other (a double tap, three tabs for one new ID) collide in the
# database: a duplicate key at a flush, or SQLite's "database is locked". Each attempt starts
# from a clean session; the next one finds what the winner saved.
SUBMIT_ATTEMPTS = 3


def submit_online_request(*, nonce: str, ip: str, applicant: Applicant, service_type: ServiceType,
                          description: str, signed_name: str, uploads: list[Upload] | None = None) -> Result:
    """Create (or match) the beneficiary and a request through the website channel. Commits.

    An existing beneficiary is never changed: differences go to the officer as a note
    on the request. The same rendered form sent twice (even at the same moment) returns the
    first request.
    """
    service_type_id = service_type.id
    for attempt in range(SUBMIT_ATTEMPTS):
        try:
            return _submit(nonce=nonce, ip=ip, applicant=applicant, service_type=service_type,
                           description=description, signed_name=signed_name, uploads=uploads)
        except (IntegrityError, OperationalError):
            db.session.rollback()
            previous = _find_submission(nonce)
            if previous is not None:  # a concurrent send of the same form won the race
                return Result(application=db.session.get(Application, previous.record_id), resubmitted=True)
            if attempt == SUBMIT_ATTEMPTS - 1:
                raise RequestError(_l("Your request could not be saved just now. Please send it again.")) from None
            service_type = db.session.get(ServiceType, service_type_id)
            for upload in uploads or []:
                upload.file_storage.stream.seek(0)
    raise AssertionError("unreachable")


def _submit(*, nonce: str, ip: str, applicant: Applicant, service_type: ServiceType,
            description: str, signed_name: str, uploads: list[Upload] | None) -> Result:
    previous = _find_submission(nonce)
    if previous is not None:
        return Result(application=db.session.get(Application, previous.record_id), resubmitted=True)
    if not service_type.active:
        raise RequestError(_l("This service is not available online."))
    text = latest_declaration_text()
    if text is None:
        raise RequestError(_l("Online requests are not open yet."))
    applicant = applicant.cleaned()
    now = utcnow()
    beneficiary = db.session.scalar(db.select(Beneficiary).where(Beneficiary.national_id == applicant.national_id))
    diffs: list[str] = []
    existing = beneficiary is not None
    if beneficiary is None:
        beneficiary = Beneficiary(
            national_id=applicant.national_id, nationality=applicant.nationality, first_name=applicant.first_name,
            father_name=applicant.father_name, grandfather_name=applicant.grandfather_name,
            family_name=applicant.family_name, gender=applicant.gender, birth_date=applicant.birth_date,
            phone=applicant.phone, email=applicant.email, region=applicant.region, city=applicant.city)
        db.session.add(beneficiary)

    # Notes are for staff: written in the organisation's language, whatever the applicant reads.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ar")):
        if existing:
            diffs = differences(beneficiary, applicant)
        lines = [str(_l("Submitted online through the website (privacy notice %(v)s accepted).",
                        v=notice_version()))]
        if diffs:
            lines.append(str(_l("The data typed online differs from the registry; the registry was NOT changed. "
                                "Please check with the applicant:")))
            lines.extend(f"- {d}" for d in diffs)
    application = receive_application(beneficiary, service_type, website_channel(),
                                      description=clean_text(description, multiline=True)[:4000],
                                      notes="\n".join(lines), received_at=now)
    db.session.flush()
    for upload in uploads or []:
        stored = save_upload(upload.file_storage)
        db.session.add(Document(beneficiary=beneficiary, application_id=application.id,
                                document_type=upload.document_type, file=stored,
                                notes=str(_l("Uploaded with the online request."))))
    db.session.add(Declaration(beneficiary=beneficiary, application_id=application.id, text=text,
                               method=DeclarationMethod.ONLINE, signed_at=now,
                               signed_name=clean_text(signed_name)[:260], ip_address=ip))
    db.session.add(PublicSubmission(token=nonce, kind="request", record_id=application.id, consent_at=now,
                                    privacy_notice_version=notice_version(), ip_address=ip,
                                    contact_phone=applicant.phone))
    db.session.commit()
    return Result(application=application, existing_beneficiary=existing, differences=diffs)


def decision_period(application: Application) -> int:
    return decision_period_for(application.service_type)


def normalize_reference(value: str) -> str:
    """'req-1447-000123', '١٤٤٧/١٢٣' style typing -> 'REQ-1447-000123'."""
    raw = (value or "").translate({ord(c): None for c in " \t"}).upper()
    digits = normalize_digits(raw.replace("/", "-").replace("REQ", ""))  # drops dashes too
    if len(digits) < 5 or not digits.isdigit():
        return ""
    year, number = digits[:4], digits[4:]
    return f"REQ-{year}-{int(number):06d}" if number else ""


def find_for_status(reference: str, phone_last4: str) -> Application | None:
    """The request only if the reference and the last four phone digits belong together.

    Unknown references and wrong pairs are indistinguishable to the caller.
    """
    ref = normalize_reference(reference)
    digits = normalize_digits(phone_last4 or "")
    application = db.session.scalar(db.select(Application).where(Application.reference == ref)) if ref else None
    submission_phone = ""
    if application is not None:
        submission_phone = db.session.scalar(
            db.select(PublicSubmission.contact_phone).where(PublicSubmission.kind == "request",
                                                            PublicSubmission.record_id == application.id)) or ""
    # A group's or an organisation's request is followed with its contact person's mobile.
    phone = (application.beneficiary.phone if application.beneficiary else application.contact_phone) \
        if application else "0000"
    candidates = [last4(phone), last4(submission_phone)]
    ok = False
    for candidate in candidates:
        # compare_digest on every candidate: no early exit telling which one matched.
        ok |= bool(candidate) and len(digits) == 4 and hmac.compare_digest(candidate, digits)
    return application if (application is not None and ok) else None


def describe_missing(item, lang: str) -> str:
    if isinstance(item, dict):
        for key in (f"label_{lang}", lang, "label", "name", "text"):
            if item.get(key):
                return str(item[key])
        return ""
    return str(item or "")
