"""Rows for report, dashboard and privacy tests, created straight through the models."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from extensions import db
from models.application import Research, Status
from models.beneficiary import Beneficiary, Communication, HouseholdMember
from models.committee import CommitteeSession, Decision
from models.reference import Channel
from models.service import ServiceType
from workflow.applications import receive_application, record_transition

_seq = itertools.count(1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def channel(code: str, name: str) -> Channel:
    row = Channel(code=code, name_ar=name, name_en=code)
    db.session.add(row)
    db.session.flush()
    return row


def service(name: str, period: int = 14) -> ServiceType:
    row = ServiceType(name_ar=name, name_en=name, decision_period_days=period)
    db.session.add(row)
    db.session.flush()
    return row


def person(**kw) -> Beneficiary:
    n = next(_seq)
    values = dict(national_id=f"10{n:08d}", first_name="محمد", father_name="عبدالله", grandfather_name="سعد",
                  family_name=f"العتيبي{n}", gender="male", birth_date=date(1980, 5, 17), nationality="SA",
                  phone=f"+96650{n:07d}", email=f"p{n}@example.org", region="الجوف", city="سكاكا",
                  district="الشمال", address="شارع الملك فهد", notes="ملاحظة خاصة")
    values.update(kw)
    row = Beneficiary(**values)
    db.session.add(row)
    db.session.flush()
    return row


def request(b, st, ch, received_at: datetime, actor=None):
    return receive_application(b, st, ch, actor=actor, received_at=received_at,
                               description="وصف الطلب", notes="ملاحظات الطلب")


_sessions = {}


def committee_session() -> CommitteeSession:
    row = db.session.scalar(db.select(CommitteeSession).where(CommitteeSession.number == "S-1"))
    if row is None:
        row = CommitteeSession(number="S-1", held_on=date(2025, 1, 1))
        db.session.add(row)
        db.session.flush()
    return row


def decide(app, outcome: str, at: datetime, reason: str = ""):
    to_status = {"accept": Status.ACCEPTED, "reject": Status.REJECTED}[outcome]
    if app.status == Status.RECEIVED:
        record_transition(app, "verify", Status.VERIFIED)
        record_transition(app, "raise", Status.AWAITING_COMMITTEE)
    decision = Decision(application=app, session=committee_session(), outcome=outcome, reason=reason,
                        recorded_at=at)
    db.session.add(decision)
    app.decided_at = at
    record_transition(app, outcome, to_status)
    return decision


def refer(app, specialist, referred_at: datetime, submitted_at: datetime | None = None):
    research = Research(application=app, specialist_id=specialist.id, referral_reason="سبب",
                        referred_at=referred_at, submitted_at=submitted_at, findings="نتائج البحث الميداني",
                        household_situation="وضع الأسرة")
    db.session.add(research)
    app.assigned_specialist_id = specialist.id
    if app.status == Status.RECEIVED and submitted_at is None:
        record_transition(app, "refer", Status.WITH_SPECIALIST)
    db.session.flush()
    return research


def household(b, name="سارة محمد", national_id="2000000001"):
    row = HouseholdMember(beneficiary=b, name=name, relation="daughter", national_id=national_id,
                          birth_date=date(2010, 3, 4), notes="تعاني من ربو")
    db.session.add(row)
    db.session.flush()
    return row


def communication(b, staff=None, follow_up_on=None, subject="اتصال بخصوص الطلب", summary="تحدثت مع الأخ محمد"):
    row = Communication(beneficiary=b, direction="incoming", subject=subject, summary=summary,
                        staff_id=getattr(staff, "id", None), follow_up_on=follow_up_on)
    db.session.add(row)
    db.session.flush()
    return row
