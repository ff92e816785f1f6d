"""Duties under the Personal Data Protection Law (PDPL).

- subject_export(): everything held on one person, for their access request;
- privacy requests register: deadline 30 days from receipt;
- breach register: the authority is told within 72 hours of discovery;
- retention: anonymise beneficiaries whose files all closed more than
  OrganisationProfile.retention_years ago, keeping the statistics.

Anonymisation writes with bulk UPDATE statements on purpose: the automatic
audit listener would otherwise copy the old names and numbers into the audit
trail as "before" values. One `anonymise` entry is written instead, and the
identifying values already in the trail about this person are redacted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, delete, exists, insert, or_, select, update

from extensions import db
from models.application import Application, ApplicationEvent, Research, Status, research_attachment
from models.audit import AuditEntry
from models.beneficiary import (Beneficiary, Communication, Declaration, Document, HouseholdMember,
                                write_name_words)
from models.committee import Decision
from models.files import StoredFile
from models.organisation import OrganisationProfile
from models.privacy import BreachIncident, PrivacyRequest, PrivacyRequestStatus
from models.types import utcnow
from workflow.arabic import fold_arabic
from workflow.audit import _plain, current_actor
from workflow.dates import to_local

log = logging.getLogger(__name__)

RESPONSE_DAYS = 30
BREACH_NOTICE_HOURS = 72
ANONYMOUS_NAME = "مجهول"
REDACTED = "***"


def local_today() -> date:
    return to_local(utcnow()).date()


# ---------------------------------------------------------------- privacy requests
def privacy_due(received_on: date) -> date:
    return received_on + timedelta(days=RESPONSE_DAYS)


def overdue_privacy_requests(today: date | None = None) -> list[PrivacyRequest]:
    today = today or local_today()
    return db.session.scalars(select(PrivacyRequest).where(
        PrivacyRequest.status == PrivacyRequestStatus.OPEN, PrivacyRequest.due_on < today)
        .order_by(PrivacyRequest.due_on, PrivacyRequest.id)).all()


def privacy_days_left(request: PrivacyRequest, today: date | None = None) -> int:
    return (request.due_on - (today or local_today())).days


# ---------------------------------------------------------------- breaches
@dataclass
class BreachClock:
    deadline: datetime
    state: str  # running / overdue / notified / notified_late
    hours: int  # hours left (running), hours past (overdue), hours taken (notified*)


def breach_clock(breach: BreachIncident, now: datetime | None = None) -> BreachClock:
    now = now or utcnow()
    deadline = breach.discovered_at + timedelta(hours=BREACH_NOTICE_HOURS)
    if breach.authority_notified_at is not None:
        taken = (breach.authority_notified_at - breach.discovered_at).total_seconds() / 3600
        return BreachClock(deadline, "notified" if taken <= BREACH_NOTICE_HOURS else "notified_late",
                           int(taken))
    left = (deadline - now).total_seconds() / 3600
    if left >= 0:
        return BreachClock(deadline, "running", int(left))
    return BreachClock(deadline, "overdue", int(-left) if -left == int(-left) else int(-left) + 1)


def open_breaches() -> list[BreachIncident]:
    """Incidents whose authority notification is still to be made."""
    return db.session.scalars(select(BreachIncident).where(BreachIncident.authority_notified_at.is_(None))
                              .order_by(BreachIncident.discovered_at)).all()


# ---------------------------------------------------------------- subject export
def _row(obj, exclude=()) -> dict:
    from sqlalchemy import inspect

    return {attr.key: _plain(getattr(obj, attr.key)) for attr in inspect(obj).mapper.column_attrs
            if attr.key not in exclude}


def _outbox_ids(beneficiary_id: int) -> list[int]:
    from models.outbox import OutboxMessage

    return list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.beneficiary_id == beneficiary_id)
                                   .order_by(OutboxMessage.id)))


def _related_ids(beneficiary_id: int) -> dict[str, list[int]]:
    """Ids of every row that belongs to this person, per table."""
    app_ids = list(db.session.scalars(select(Application.id).where(Application.beneficiary_id == beneficiary_id)))

    def ids(model, *conditions):
        return list(db.session.scalars(select(model.id).where(or_(*conditions)))) if conditions else []

    research_ids = ids(Research, Research.application_id.in_(app_ids))
    file_ids = set(db.session.scalars(select(Document.file_id).where(Document.beneficiary_id == beneficiary_id,
                                                                     Document.file_id.is_not(None))))
    file_ids |= set(db.session.scalars(select(Declaration.scan_file_id).where(
        Declaration.beneficiary_id == beneficiary_id, Declaration.scan_file_id.is_not(None))))
    if research_ids:
        file_ids |= set(db.session.scalars(select(research_attachment.c.file_id).where(
            research_attachment.c.research_id.in_(research_ids))))
    return {
        "beneficiary": [beneficiary_id],
        "stored_file": sorted(file_ids),
        "household_member": ids(HouseholdMember, HouseholdMember.beneficiary_id == beneficiary_id),
        "document": ids(Document, Document.beneficiary_id == beneficiary_id),
        "declaration": ids(Declaration, Declaration.beneficiary_id == beneficiary_id),
        "communication": ids(Communication, Communication.beneficiary_id == beneficiary_id),
        "outbox_message": _outbox_ids(beneficiary_id),
        "application": app_ids,
        "application_event": ids(ApplicationEvent, ApplicationEvent.application_id.in_(app_ids)),
        "research": research_ids,
        "decision": ids(Decision, Decision.application_id.in_(app_ids)),
        "privacy_request": ids(PrivacyRequest, PrivacyRequest.beneficiary_id == beneficiary_id),
    }


def _audit_condition(related: dict[str, list[int]]):
    parts = [and_(AuditEntry.table_name == table, AuditEntry.record_id.in_([str(i) for i in ids]))
             for table, ids in related.items() if ids]
    return or_(*parts)


def subject_export(beneficiary: Beneficiary) -> dict:
    """Everything the system holds on one person, as plain JSON-ready data."""
    related = _related_ids(beneficiary.id)
    applications = db.session.scalars(select(Application).where(Application.beneficiary_id == beneficiary.id)
                                      .order_by(Application.received_at)).all()
    app_rows = []
    for application in applications:
        row = _row(application, exclude=("version",))
        row["service_type"] = str(application.service_type) if application.service_type else ""
        row["channel"] = str(application.channel) if application.channel else ""
        row["events"] = [dict(_row(e), user=str(e.user) if e.user else "") for e in application.events]
        row["research"] = [dict(_row(r), specialist=str(r.specialist) if r.specialist else "",
                                attachments=[f.original_name for f in r.attachments]) for r in application.research]
        row["decisions"] = [dict(_row(d), session=str(d.session) if d.session else "") for d in application.decisions]
        app_rows.append(row)
    audit = db.session.scalars(select(AuditEntry).where(_audit_condition(related))
                               .order_by(AuditEntry.at, AuditEntry.id)).all()
    data = {
        "generated_at": utcnow().isoformat(),
        "beneficiary": _row(beneficiary, exclude=("name_search",)) | {"full_name": beneficiary.full_name},
        "household": [_row(m) for m in beneficiary.household],
        "applications": app_rows,
        "communications": [dict(_row(c), channel=str(c.channel) if c.channel else "",
                                staff=str(c.staff) if c.staff else "") for c in beneficiary.communications],
        "messages": [_row(m, exclude=("template_params",)) for m in beneficiary.outbox_messages],
        "documents": [{"id": d.id, "type": str(d.document_type) if d.document_type else "",
                       "issue_date": _plain(d.issue_date), "expiry_date": _plain(d.expiry_date),
                       "file_name": d.file.original_name if d.file else "", "notes": d.notes,
                       "application_id": d.application_id, "verified_at": _plain(d.verified_at),
                       "created_at": _plain(d.created_at)} for d in beneficiary.documents],
        "declarations": [{"id": d.id, "text_version": d.text.version if d.text else None, "method": d.method,
                          "signed_at": _plain(d.signed_at), "signed_name": d.signed_name,
                          "ip_address": d.ip_address, "scan_file": d.scan_file.original_name if d.scan_file else ""}
                         for d in beneficiary.declarations],
        "privacy_requests": [_row(p) for p in db.session.scalars(
            select(PrivacyRequest).where(PrivacyRequest.beneficiary_id == beneficiary.id))],
        "audit": [{"at": _plain(a.at), "actor": a.actor, "action": a.action, "table": a.table_name,
                   "record": a.record_id, "changes": a.changes, "note": a.note} for a in audit],
    }
    return data


# ---------------------------------------------------------------- retention
def retention_years() -> int:
    profile = db.session.get(OrganisationProfile, 1)
    return profile.retention_years if profile and profile.retention_years else 0


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(years: int, today: date | None = None) -> datetime:
    from workflow.reports import local_midnight_utc

    return local_midnight_utc(years_before(today or local_today(), years))


def retention_candidates(years: int, today: date | None = None) -> list[Beneficiary]:
    """Beneficiaries with at least one request, every request closed or withdrawn, and no activity
    (request event, communication, profile change) since the cutoff."""
    if years <= 0:
        return []
    cutoff = retention_cutoff(years, today)
    mine = Application.beneficiary_id == Beneficiary.id
    return db.session.scalars(select(Beneficiary).where(
        Beneficiary.anonymised_at.is_(None),
        Beneficiary.updated_at < cutoff,
        exists().where(mine),
        ~exists().where(mine, Application.status.not_in(Status.FINAL)),
        ~exists().where(mine, ApplicationEvent.application_id == Application.id, ApplicationEvent.at >= cutoff),
        ~exists().where(Communication.beneficiary_id == Beneficiary.id, Communication.at >= cutoff),
    ).order_by(Beneficiary.id)).all()


# Fields whose values identify someone, per table (also redacted in the audit trail).
IDENTIFYING = {
    "beneficiary": ("national_id", "first_name", "father_name", "grandfather_name", "family_name", "name_search",
                    "phone", "email", "address", "district", "notes", "birth_date"),
    "household_member": ("name", "national_id", "notes", "birth_date"),
    "communication": ("subject", "summary"),
    "outbox_message": ("subject", "to_address", "last_error"),
    "application": ("description", "notes", "checklist"),
    "application_event": ("note",),
    "research": ("referral_reason", "findings", "household_situation"),
    "declaration": ("signed_name", "ip_address"),
    "document": ("notes",),
    "stored_file": ("original_name",),
}


def _year_only(value: date | None) -> date | None:
    return date(value.year, 1, 1) if value else None


def anonymise(beneficiary: Beneficiary, note: str = "") -> list[str]:
    """Replace identifying data, keep what statistics use. Returns storage names of files to delete
    once the transaction has committed (the caller commits, then calls delete_files)."""
    bid = beneficiary.id
    related = _related_ids(bid)
    app_ids = related["application"]
    now = utcnow()

    anonymous_name = fold_arabic(f"{ANONYMOUS_NAME} #{bid}")
    db.session.execute(update(Beneficiary).where(Beneficiary.id == bid).values(
        national_id=f"X{bid:09d}"[-10:], first_name=ANONYMOUS_NAME, father_name="", grandfather_name="",
        family_name=f"#{bid}", name_search=anonymous_name, phone="", email="", address="",
        district="", notes="", birth_date=_year_only(beneficiary.birth_date), anonymised_at=now, updated_at=now))
    # The bulk UPDATE bypasses the mapper events: the name-word index must forget the real name too.
    write_name_words(db.session.connection(), bid, anonymous_name)
    for member in db.session.execute(select(HouseholdMember.id, HouseholdMember.birth_date)
                                     .where(HouseholdMember.beneficiary_id == bid)).all():
        db.session.execute(update(HouseholdMember).where(HouseholdMember.id == member.id).values(
            name=ANONYMOUS_NAME, national_id=None, notes="", birth_date=_year_only(member.birth_date)))
    db.session.execute(update(Communication).where(Communication.beneficiary_id == bid)
                       .values(subject=ANONYMOUS_NAME, summary=""))
    from models.outbox import MessageState, OutboxMessage

    # Messages keep their event, channel and state (statistics); their texts and address go, and
    # one still waiting is never sent.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.beneficiary_id == bid)
                       .values(subject=ANONYMOUS_NAME, body="", to_address="", template_params=[]))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.beneficiary_id == bid,
                                                   OutboxMessage.state == MessageState.QUEUED)
                       .values(state=MessageState.CANCELLED, last_error="anonymised"))
    db.session.execute(update(Declaration).where(Declaration.beneficiary_id == bid)
                       .values(signed_name="", ip_address=""))
    if app_ids:
        db.session.execute(update(Application).where(Application.id.in_(app_ids))
                           .values(description="", notes="", checklist=[]),
                           execution_options={"synchronize_session": False})
        db.session.execute(update(ApplicationEvent).where(ApplicationEvent.application_id.in_(app_ids))
                           .values(note=""))
        db.session.execute(update(Research).where(Research.application_id.in_(app_ids))
                           .values(referral_reason="", findings="", household_situation=""))
        _blank_survey_comments(app_ids)

    # Stored files: documents, declaration scans, research attachments.
    file_ids = related["stored_file"]
    db.session.execute(update(Document).where(Document.beneficiary_id == bid).values(file_id=None, notes=""))
    db.session.execute(update(Declaration).where(Declaration.beneficiary_id == bid).values(scan_file_id=None))
    storage_names = []
    if file_ids:
        storage_names = list(db.session.scalars(select(StoredFile.storage_name).where(StoredFile.id.in_(file_ids))))
        db.session.execute(delete(research_attachment).where(research_attachment.c.file_id.in_(file_ids)))
        db.session.execute(delete(StoredFile).where(StoredFile.id.in_(file_ids)))

    _redact_audit(related)
    user_id, actor = current_actor()
    db.session.execute(insert(AuditEntry).values(
        at=now, user_id=user_id, actor=actor, action="anonymise", table_name="beneficiary", record_id=str(bid),
        changes={"files_deleted": len(storage_names), "applications": len(app_ids)}, note=note[:500]))
    db.session.expire_all()
    return storage_names


def _blank_survey_comments(app_ids: list[int]) -> None:
    from models.survey import SurveyResponse

    db.session.execute(update(SurveyResponse).where(SurveyResponse.application_id.in_(app_ids)).values(comment=""))


def _redact_audit(related: dict[str, list[int]]) -> None:
    """Replace identifying values already written in the audit trail about this person."""
    for table, fields in IDENTIFYING.items():
        ids = [str(i) for i in related.get(table, [])]
        if not ids:
            continue
        for entry_id, changes in db.session.execute(select(AuditEntry.id, AuditEntry.changes).where(
                AuditEntry.table_name == table, AuditEntry.record_id.in_(ids))).all():
            if not changes:
                continue
            redacted = {key: (REDACTED if key in fields else value) for key, value in changes.items()}
            if redacted != changes:
                db.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(changes=redacted))
    # Accesses and exports logged against the person carry no values, only notes: keep them.


def delete_files(storage_names: list[str]) -> int:
    from workflow.storage import file_store

    store = file_store()
    deleted = 0
    for name in storage_names:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            continue
        try:
            if not store.exists(name):
                continue
            store.delete(name)
            deleted += 1
        except Exception as exc:  # noqa: BLE001 - keep going: the row is gone, the file is reported
            log.warning("could not delete %s: %s", name, type(exc).__name__)
    return deleted


def run_retention(commit: bool = False, today: date | None = None, years: int | None = None) -> dict:
    """Dry run lists what would be anonymised; commit=True anonymises, one person per transaction."""
    years = retention_years() if years is None else years
    candidates = retention_candidates(years, today)
    listed = [{"id": b.id, "reference": f"#{b.id}",
               "applications": db.session.scalar(select(db.func.count(Application.id))
                                                 .where(Application.beneficiary_id == b.id))}
              for b in candidates]
    result = {"years": years, "cutoff": retention_cutoff(years, today).isoformat() if years > 0 else None,
              "candidates": listed, "anonymised": 0, "files_deleted": 0, "committed": commit}
    if not commit:
        return result
    for beneficiary in candidates:
        names = anonymise(beneficiary, note=f"retention {years} years")
        db.session.commit()
        result["anonymised"] += 1
        result["files_deleted"] += delete_files(names)
    return result


__all__ = ["anonymise", "breach_clock", "privacy_due", "run_retention", "subject_export", "timezone"]
