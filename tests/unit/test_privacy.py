"""Data protection: subject export, retention anonymisation, privacy-request deadlines, breach clock."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from extensions import db
from models.application import Status
from models.audit import AuditEntry
from models.beneficiary import Beneficiary, Communication, Document
from models.files import StoredFile
from models.organisation import OrganisationProfile
from models.privacy import BreachIncident, PrivacyRequest
from models.reference import DocumentType
from tests.report_fixtures import (channel, communication, decide, household, person, refer, request, service,
                                   utc)
from workflow.applications import record_transition
from workflow.privacy import (_related_ids, breach_clock, overdue_privacy_requests, privacy_due, retention_candidates,
                              run_retention, subject_export)
from workflow.reports import ReportFilter, decision_time, outcomes, requests_per_month

TODAY = date(2026, 6, 1)


def _close(app, at):
    record_transition(app, "close", Status.CLOSED)
    app.closed_at = at
    db.session.flush()
    # The close event happened at `at`, years ago.
    app.events[-1].at = at


@pytest.fixture
def people(app, users, tmp_path):
    web = channel("web", "الموقع")
    food = service("سلة غذائية")
    old = person(first_name="خالد", family_name="الشمري", national_id="1012345678", phone="+966501112233",
                 email="khalid@example.org", birth_date=date(1975, 8, 9), gender="male", region="الجوف",
                 city="سكاكا", created_at=utc(2019, 1, 1), updated_at=utc(2019, 1, 1))
    household(old, name="نورة خالد الشمري", national_id="1098765432")
    a1 = request(old, food, web, utc(2019, 2, 1, 8, 0), actor=users["officer"])
    decide(a1, "accept", utc(2019, 2, 10, 8, 0))
    refer(a1, users["specialist"], utc(2019, 2, 2), utc(2019, 2, 3))
    record_transition(a1, "serve", Status.SERVED)
    _close(a1, utc(2019, 3, 1))
    for event in a1.events:
        event.at = min(event.at, utc(2019, 3, 1))
    # Messages sent on the way (e.g. the satisfaction survey when served) happened then too.
    db.session.flush()
    for sent in db.session.scalars(db.select(Communication).where(Communication.beneficiary_id == old.id)):
        sent.at = min(sent.at, utc(2019, 3, 1))
    comm = communication(old, users["officer"], summary="تحدثت مع خالد الشمري عن حالته")
    comm.at = utc(2019, 2, 5)
    # A stored file on disk.
    folder = tmp_path / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123.pdf").write_bytes(b"%PDF-1.4 secret %%EOF")
    stored = StoredFile(storage_name="abc123.pdf", original_name="هوية خالد.pdf", mime="application/pdf", size=10,
                        sha256="0" * 64)
    dtype = DocumentType(code="id", name_ar="صورة الهوية")
    db.session.add_all([stored, dtype])
    db.session.flush()
    db.session.add(Document(beneficiary=old, document_type=dtype, file=stored, notes="نسخة خالد"))

    recent = person(first_name="فهد", updated_at=utc(2019, 1, 1))
    r1 = request(recent, food, web, utc(2025, 12, 1, 8, 0))  # closed last year: kept
    _close(r1, utc(2026, 1, 10))
    still_open = person(first_name="سعد", updated_at=utc(2019, 1, 1))
    request(still_open, food, web, utc(2019, 5, 1, 8, 0))  # never closed: kept
    db.session.add(OrganisationProfile(id=1, retention_years=5))
    db.session.flush()
    # Timestamps set by hand above must not be overwritten by onupdate.
    db.session.execute(db.update(Beneficiary).values(updated_at=utc(2019, 1, 1)).where(
        Beneficiary.id.in_([old.id, still_open.id, recent.id])))
    db.session.commit()
    return {"old": old, "recent": recent, "open": still_open, "folder": folder, "a1": a1}


def test_subject_export_contains_everything(people, app):
    data = subject_export(people["old"])
    assert data["beneficiary"]["national_id"] == "1012345678"
    assert data["beneficiary"]["full_name"].startswith("خالد")
    assert data["household"][0]["name"] == "نورة خالد الشمري"
    assert data["applications"][0]["status"] == Status.CLOSED
    assert data["applications"][0]["decisions"][0]["outcome"] == "accept"
    assert data["applications"][0]["research"][0]["findings"]
    assert [e["to_status"] for e in data["applications"][0]["events"]][-1] == Status.CLOSED
    assert any("خالد الشمري" in c["summary"] for c in data["communications"])
    assert data["documents"][0]["file_name"] == "هوية خالد.pdf"
    tables = {a["table"] for a in data["audit"]}
    assert {"beneficiary", "household_member", "application", "communication", "document"} <= tables
    json.dumps(data, ensure_ascii=False)  # JSON-ready


def test_retention_dry_run_changes_nothing(people):
    result = run_retention(today=TODAY)
    assert [c["id"] for c in result["candidates"]] == [people["old"].id]
    assert result["anonymised"] == 0
    db.session.expire_all()
    assert db.session.get(Beneficiary, people["old"].id).national_id == "1012345678"
    assert (people["folder"] / "abc123.pdf").exists()


def test_retention_zero_years_keeps_everything(people):
    assert retention_candidates(0, TODAY) == []
    assert run_retention(commit=True, today=TODAY, years=0)["anonymised"] == 0


def _statistics():
    rf = ReportFilter()
    return (requests_per_month(rf, "channel"), requests_per_month(rf, "service_type"),
            decision_time(rf, today=TODAY), outcomes(rf))


def test_anonymisation_leaves_nothing_identifying_and_keeps_statistics(people, app):
    before = _statistics()
    bid = people["old"].id
    result = run_retention(commit=True, today=TODAY)
    assert result["anonymised"] == 1 and result["files_deleted"] == 1
    db.session.expire_all()
    b = db.session.get(Beneficiary, bid)
    assert b.anonymised_at is not None
    # Kept for statistics.
    assert (b.gender, b.region, b.city, b.birth_date.year) == ("male", "الجوف", "سكاكا", 1975)
    assert b.birth_date == date(1975, 1, 1)
    # Nothing identifying left anywhere in the data about this person, audit trail included.
    dump = json.dumps(subject_export(b), ensure_ascii=False)
    related = _related_ids(bid)
    about = [a for a in db.session.scalars(db.select(AuditEntry))
             if a.record_id in {str(i) for i in related.get(a.table_name, [])}]
    assert len(about) > 10
    audit = json.dumps([[a.changes, a.note] for a in about], ensure_ascii=False)
    for secret in ("1012345678", "خالد", "الشمري", "501112233", "khalid@", "1098765432", "نورة",
                   "شارع الملك فهد", "ملاحظة خاصة", "نتائج البحث", "هوية خالد", "1975-08-09", "وصف الطلب"):
        assert secret not in dump, secret
        assert secret not in audit, secret
    assert not (people["folder"] / "abc123.pdf").exists()
    # The messages written for the person's requests keep no text or number, and none waits to go.
    assert dump.count('"event": "received"') >= 1
    assert all(m["body"] == "" and m["to_address"] == "" and m["state"] != "queued"
               for m in subject_export(b)["messages"])
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0
    # Statistics are unchanged.
    assert _statistics() == before
    # Logged, once, without personal data.
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "anonymise"))
    assert entry.record_id == str(bid) and entry.actor == "system"
    # The others are untouched, and a second run finds nobody.
    assert db.session.get(Beneficiary, people["recent"].id).first_name == "فهد"
    assert db.session.get(Beneficiary, people["open"].id).first_name == "سعد"
    assert run_retention(commit=True, today=TODAY)["anonymised"] == 0


def test_retention_cli_dry_run_then_commit(people, app):
    runner = app.test_cli_runner()
    db.session.get(OrganisationProfile, 1).retention_years = 5
    db.session.commit()
    out = runner.invoke(args=["retention", "run"])
    assert out.exit_code == 0, out.output
    assert "Dry run: " in out.output
    db.session.expire_all()
    assert db.session.get(Beneficiary, people["old"].id).anonymised_at is None
    out = runner.invoke(args=["retention", "run", "--commit"])
    assert out.exit_code == 0 and "Anonymised 1 beneficiaries" in out.output, out.output
    db.session.expire_all()
    assert db.session.get(Beneficiary, people["old"].id).anonymised_at is not None


def test_privacy_request_deadline_and_overdue(app):
    assert privacy_due(date(2026, 1, 15)) == date(2026, 2, 14)
    late = PrivacyRequest(kind="correction", requester_name="أ", received_on=date(2026, 1, 1),
                          due_on=privacy_due(date(2026, 1, 1)))
    done = PrivacyRequest(kind="deletion", requester_name="ب", received_on=date(2026, 1, 1),
                          due_on=privacy_due(date(2026, 1, 1)), status="completed")
    fresh = PrivacyRequest(kind="access", requester_name="ج", received_on=date(2026, 1, 25),
                           due_on=privacy_due(date(2026, 1, 25)))
    db.session.add_all([late, done, fresh])
    db.session.commit()
    assert overdue_privacy_requests(date(2026, 2, 1)) == [late]
    assert overdue_privacy_requests(date(2026, 1, 31)) == []  # due 31 January: not yet late


def test_breach_clock():
    discovered = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    breach = BreachIncident(title="x", discovered_at=discovered)
    clock = breach_clock(breach, now=discovered + timedelta(hours=10))
    assert (clock.state, clock.hours) == ("running", 62)
    assert clock.deadline == discovered + timedelta(hours=72)
    assert breach_clock(breach, now=discovered + timedelta(hours=80, minutes=30)).state == "overdue"
    assert breach_clock(breach, now=discovered + timedelta(hours=80, minutes=30)).hours == 9
    breach.authority_notified_at = discovered + timedelta(hours=50)
    assert (breach_clock(breach).state, breach_clock(breach).hours) == ("notified", 50)
    breach.authority_notified_at = discovered + timedelta(hours=90)
    assert breach_clock(breach).state == "notified_late"


def test_audit_trail_names_the_record_it_created(app):
    """The create entry carries the new row's id (it used to be empty: pending rows have no identity yet)."""
    b = person()
    db.session.commit()
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.table_name == "beneficiary",
                                                          AuditEntry.action == "create"))
    assert entry.record_id == str(b.id)
