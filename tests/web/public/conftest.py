"""Helpers for the public pages' tests."""
from __future__ import annotations

import re
import time

import pytest

from extensions import db

VALID_ID = "1000000008"  # passes the Luhn check
OTHER_ID = "1000000016"
RESIDENT_ID = "2000000006"
PHONE = "0551138821"
PHONE_E164 = "+966551138821"

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\x0bIDATx\x9cc\xf8\x0f\x04\x00\t\xfb\x03\xfd\xfb^k+\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def no_fill_delay(app):
    """The minimum fill time has its own tests; elsewhere forms may be sent at once."""
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    yield


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


def form_defaults(html: str) -> dict:
    """CSRF token, and on the forms that create records the form token and the empty honeypot."""
    data = {"csrf_token": hidden(html, "csrf_token")}
    if 'name="form_token"' in html:
        data.update({"form_token": hidden(html, "form_token"), "website_url": ""})
    return data


@pytest.fixture
def catalogue(app):
    """Service types, the website channel, a document type and the declaration text."""
    from models.beneficiary import DeclarationText
    from models.reference import Channel, DocumentType
    from models.service import ServiceType

    data = {
        "food": ServiceType(name_ar="سلة غذائية", name_en="Food basket", active=True, decision_period_days=14),
        "rent": ServiceType(name_ar="مساعدة إيجار", name_en="Rent help", active=True, decision_period_days=7),
        "old": ServiceType(name_ar="خدمة متوقفة", name_en="Retired service", active=False),
        "website": Channel(code="website", name_ar="الموقع الإلكتروني", name_en="Website"),
        "id_copy": DocumentType(code="id_copy", name_ar="صورة الهوية", name_en="ID copy"),
        "declaration": DeclarationText(version=3, text_ar="أقر بصحة البيانات.", text_en="I declare the data is correct."),
    }
    db.session.add_all(data.values())
    db.session.add(DeclarationText(version=1, text_ar="نص قديم", text_en="old text"))
    db.session.commit()
    return data


def request_data(catalogue, **overrides) -> dict:
    data = {
        "national_id": VALID_ID, "nationality": "SA", "first_name": "محمد", "father_name": "عبدالله",
        "grandfather_name": "سعد", "family_name": "القحطاني", "gender": "male", "birth_date": "1985-04-02",
        "phone": PHONE, "email": "m@example.org", "region": "jouf", "city": "سكاكا",
        "service_type": str(catalogue["food"].id), "description": "أحتاج سلة غذائية لأسرتي المكونة من خمسة أفراد.",
        "documents-0-document_type": "0", "documents-1-document_type": "0", "documents-2-document_type": "0",
        "signed_name": "محمد عبدالله سعد القحطاني", "declaration": "y", "consent": "y",
    }
    data.update(overrides)
    return data


def volunteer_data(**overrides) -> dict:
    data = {
        "full_name": "سارة أحمد الشهري", "national_id": VALID_ID, "phone": PHONE, "email": "sara@example.org",
        "gender": "female", "birth_date": "1995-01-01", "city": "الرياض", "education": "bachelor",
        "availability_days": ["sat", "mon"], "availability_hours": ["evening"], "how_heard": "friend",
        "message": "", "consent": "y",
    }
    data.update(overrides)
    return data


def post_form(client, url: str, data: dict, page_html: str | None = None, **kwargs):
    html = page_html if page_html is not None else client.get(url).get_data(as_text=True)
    payload = {**form_defaults(html), **data}
    return client.post(url, data=payload, **kwargs)
