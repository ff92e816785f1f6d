"""An officer's morning in a real browser: register a person, attach a document, find them again.

Screenshots are saved under the test's tmp dir (printed at the end) to be looked at.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")]


@pytest.fixture
def server(live_server, users):
    from workflow.reference import load_defaults

    load_defaults()
    return live_server


def _sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/**")


def _set_select(page, selector, value):
    # Flask-Admin dresses selects with select2; set the underlying value as a person's choice would.
    page.eval_on_selector(selector, "(el, v) => { el.value = v; el.dispatchEvent(new Event('change')); }", value)


def test_officer_registers_uploads_and_finds_by_variant_spelling(server, page, tmp_path):
    from models.beneficiary import Beneficiary, Document
    from models.reference import DocumentType

    base = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    _sign_in(page, base, "officer@example.org")

    # 1. Register, typing the ID and mobile with Arabic digits and spaces.
    page.goto(f"{base}/admin/beneficiary/new/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#national_id", "١٠٥٨ ٥٢٩ ٩٤٠")
    page.fill("#first_name", "أحمد")
    page.fill("#father_name", "محمد")
    page.fill("#grandfather_name", "عبدالله")
    page.fill("#family_name", "الغامدي")
    _set_select(page, "#gender", "male")
    page.fill("#birth_date", "1985-03-01")
    page.fill("#phone", "٠٥٥ ١١٣ ٨٨٢١")
    _set_select(page, "#region", "riyadh")
    page.fill("#city", "الرياض")
    page.fill("#monthly_income", "٢٥٠٠")
    # A household member through Flask-Admin's inline form (added by its own script).
    page.click("#household-button")
    page.fill("#household-0-name", "سارة أحمد")
    _set_select(page, "#household-0-relation", "daughter")
    page.fill("#household-0-birth_date", "2012-06-01")
    page.screenshot(path=str(shots / "1-new-beneficiary-ar.png"), full_page=True)
    page.click("form.admin-form input[type=submit].btn-primary")
    page.wait_for_url(f"{base}/admin/beneficiary/")
    person = db.session.scalar(select(Beneficiary))
    assert person is not None and person.national_id == "1058529940" and person.phone == "+966551138821"
    assert [(m.name, m.relation) for m in person.household] == [("سارة أحمد", "daughter")]

    # 2. Upload a document from the person's page (a real PNG: the screenshot just taken).
    page.goto(f"{base}/admin/beneficiary/details/?id={person.id}")
    page.click("#beneficiary-actions a:nth-child(1)")  # "Add document"
    page.wait_for_url("**/admin/document/new/**")
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "national_id_copy"))
    _set_select(page, "#document_type", str(doc_type.id))
    page.fill("#issue_date", "2022-01-01")
    page.fill("#expiry_date", "2032-01-01")
    upload = tmp_path / "صورة الهوية.png"
    upload.write_bytes((shots / "1-new-beneficiary-ar.png").read_bytes())
    page.set_input_files("#upload", str(upload))
    page.click("form.admin-form input[type=submit].btn-primary")
    page.wait_for_url(f"**/admin/beneficiary/details/?id={person.id}")
    document = db.session.scalar(select(Document))
    assert document is not None and document.file.original_name == "صورة الهوية.png"
    assert document.file.mime == "image/png"
    assert "صورة الهوية.png" in page.inner_text("#documents")
    page.screenshot(path=str(shots / "2-details-ar.png"), full_page=True)

    # 3. Find the person by another spelling: احمد (no hamza) for أحمد, then by ID. What is typed
    #    is posted, never put in the address: the URL carries a short key (?q=...).
    page.goto(f"{base}/admin/beneficiary/")
    page.fill("input[name=search]", "احمد")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=*")
    assert "search=" not in page.url and "%D8%A7" not in page.url
    rows = page.inner_text("table.model-list")
    assert "أحمد محمد عبدالله الغامدي" in rows
    assert "1058529940" in rows
    page.screenshot(path=str(shots / "3-search-ar.png"), full_page=True)
    first_key = page.url
    page.fill("input[name=search]", "١٠٥٨٥٢٩٩٤٠")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url != first_key and "1058529940" not in page.url and "q=" in page.url
    assert page.input_value("input[name=search]") == "١٠٥٨٥٢٩٩٤٠"
    assert "أحمد محمد عبدالله الغامدي" in page.inner_text("table.model-list")

    # 4. The same page in English, left to right.
    page.goto(f"{base}/admin/beneficiary/details/?id={person.id}&lang=en")
    assert page.get_attribute("html", "dir") == "ltr"
    assert "Timeline" in page.inner_text("body")
    page.screenshot(path=str(shots / "4-details-en.png"), full_page=True)

    # 5. The printable declaration, A4, right to left.
    page.goto(f"{base}/admin/beneficiary/{person.id}/declaration.print?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    page.screenshot(path=str(shots / "5-declaration-print.png"), full_page=True)
    page.pdf(path=str(shots / "5-declaration.pdf"), format="A4", print_background=True)

    print(f"\nscreenshots: {shots}")
    assert len(list(shots.glob("*.png"))) == 5
    import re

    pdf = Path(shots / "5-declaration.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # fits one A4 page
