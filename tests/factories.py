"""Rows for workflow tests, created straight through the models.

(The registry screens and their validation belong to another module; these
tests only need valid rows.)
"""
from __future__ import annotations

import itertools

import pytest
from datetime import date, datetime, timezone

from sqlalchemy import update

from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary, Declaration, DeclarationText, Document
from models.committee import AgendaItem, CommitteeSession
from models.reference import Channel, DocumentType
from models.service import EligibilityCriterion, ServiceType
from workflow.applications import receive_application
from workflow.identity import check_digit

_seq = itertools.count(1)


def luhn_id(prefix: str = "1", body: int | None = None) -> str:
    """A valid 10-digit national ID (Luhn check digit) starting with prefix."""
    body = next(_seq) if body is None else body
    digits = f"{prefix}{body:08d}"
    return digits + check_digit(digits)


def beneficiary(**kw) -> Beneficiary:
    n = next(_seq)
    values = dict(national_id=luhn_id(), first_name="محمد", father_name="عبدالله", grandfather_name="سعد",
                  family_name=f"العتيبي{n}", gender="male", birth_date=date(1980, 5, 1), nationality="SA",
                  phone=f"+96650{n:07d}", email="", region="الجوف", city="سكاكا", marital_status="married",
                  monthly_income=3000)
    values.update(kw)
    b = Beneficiary(**values)
    db.session.add(b)
    db.session.flush()
    return b


def declaration_text() -> DeclarationText:
    text = db.session.scalar(db.select(DeclarationText).where(DeclarationText.version == 1))
    if text is None:
        text = DeclarationText(version=1, text_ar="أقر بأن البيانات صحيحة")
        db.session.add(text)
        db.session.flush()
    return text


def sign(b: Beneficiary, application=None) -> Declaration:
    d = Declaration(beneficiary=b, application_id=getattr(application, "id", None), text=declaration_text(),
                    method="in_person")
    db.session.add(d)
    db.session.flush()
    return d


def document_type(code: str = "id_copy", name: str = "صورة الهوية", expires: bool = True) -> DocumentType:
    dt = db.session.scalar(db.select(DocumentType).where(DocumentType.code == code))
    if dt is None:
        dt = DocumentType(code=code, name_ar=name, name_en=code, expires=expires)
        db.session.add(dt)
        db.session.flush()
    return dt


def document(b: Beneficiary, dt: DocumentType, expiry: date | None = None, issue: date | None = None) -> Document:
    d = Document(beneficiary=b, document_type=dt, expiry_date=expiry, issue_date=issue)
    db.session.add(d)
    db.session.flush()
    return d


def channel(code: str = "in_person") -> Channel:
    c = db.session.scalar(db.select(Channel).where(Channel.code == code))
    if c is None:
        c = Channel(code=code, name_ar="المقابلة", name_en="Interview")
        db.session.add(c)
        db.session.flush()
    return c


def service_type(name: str = "سلة غذائية", period: int | None = 14, criteria=(), documents=(), mechanisms=(),
                 cooldown: int = 0) -> ServiceType:
    st = ServiceType(name_ar=name, name_en="Food basket", decision_period_days=period, cooldown_days=cooldown,
                     verification_mechanisms=list(mechanisms))
    for i, (field, op, value) in enumerate(criteria):
        st.criteria.append(EligibilityCriterion(field=field, operator=op, value=value,
                                                explanation_ar=f"{field} {op} {value}", sort_order=i))
    st.required_document_types.extend(documents)
    db.session.add(st)
    db.session.flush()
    return st


def application(b: Beneficiary | None = None, st: ServiceType | None = None, actor=None,
                received_at: datetime | None = None, signed: bool = True) -> Application:
    b = b or beneficiary()
    st = st or service_type()
    if signed and not b.declarations:
        sign(b)
    app = receive_application(b, st, channel(), actor=actor, received_at=received_at)
    db.session.flush()
    return app


def force_status(app: Application, status: str) -> None:
    """Test set-up only: put a request in a state without going through the machine."""
    db.session.execute(update(Application).where(Application.id == app.id).values(status=status))
    db.session.flush()
    db.session.refresh(app)


def session(members, present=(), number: str | None = None, quorum: int | None = None,
            agenda=()) -> CommitteeSession:
    s = CommitteeSession(number=number or f"S-{next(_seq)}", held_on=date.today(), place="مقر الجمعية",
                         quorum=quorum)
    s.members.extend(members)
    s.present.extend(present)
    for i, app in enumerate(agenda):
        s.agenda.append(AgendaItem(application=app, position=i + 1))
    db.session.add(s)
    db.session.flush()
    return s


def utc(y, m, d, h=9) -> datetime:
    return datetime(y, m, d, h, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def english(app):
    """Assert on the English msgids whatever the catalogues hold (Arabic is the default)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
