"""The registry screens, per role, as a person uses them."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from models.application import Status
from models.audit import AuditEntry
from models.beneficiary import Beneficiary, Communication, Declaration, DeclarationText, Document
from models.files import StoredFile
from models.reference import Channel, DocumentType, StaffTool
from tests.conftest import csrf_token
from tests.conftest import login as _login
from tests.querycount import count_queries, page_queries
from tests.registry_helpers import luhn_id, make_beneficiary, pdf_bytes, png_bytes

FORM = {"national_id": "١٠٥٨ ٥٢٩ ٩٤٠", "first_name": "أحمد", "father_name": "محمد", "grandfather_name": "علي",
        "family_name": "الغامدي", "gender": "male", "birth_date": "1985-03-01", "nationality": "SA",
        "phone": "٠٥٥ ١١٣ ٨٨٢١", "email": "", "region": "riyadh", "city": "الرياض", "district": "", "address": "",
        "marital_status": "married", "monthly_income": "٣٠٠٠", "notes": ""}


@pytest.fixture
def seeded(app):
    from workflow.reference import load_defaults

    load_defaults()


def login(client, email):
    """Sign in, signing out first when someone is already signed in on this client."""
    page = client.get("/admin/")
    if page.status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    response = _login(client, email)
    assert response.status_code == 302
    return client


def _en(client):
    client.get("/admin/?lang=en")
    return client


def _token(client, url="/admin/"):
    return csrf_token(client.get(url).get_data(as_text=True))


def post_beneficiary(client, url="/admin/beneficiary/new/", **changes):
    token = _token(client, url)
    data = {**FORM, **changes, "csrf_token": token}
    return client.post(url, data=data, content_type="multipart/form-data")


# --- create / validate ------------------------------------------------------------

def test_officer_registers_a_beneficiary_with_arabic_digits(app, seeded, login_as):
    client = _en(login_as("officer"))
    response = post_beneficiary(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    person = db.session.scalar(select(Beneficiary))
    assert person.national_id == "1058529940"
    assert person.phone == "+966551138821"
    assert str(person.monthly_income) == "3000.00"
    assert person.name_search == "احمد محمد علي الغامدي"
    assert person.created_by_id is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.table_name == "beneficiary",
                                                       AuditEntry.action == "create"))
    assert entry.changes["national_id"] == "1058529940" and entry.actor == "officer@example.org"


def test_bad_input_is_shown_at_the_field_and_nothing_typed_is_lost(app, seeded, login_as):
    client = _en(login_as("officer"))
    response = post_beneficiary(client, national_id="1000000000", phone="0112345678", birth_date="2999-01-01",
                                first_name="Ahmed2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "check digit" in html
    assert "not a mobile number" in html
    assert "cannot be in the future" in html
    assert "letters only" in html
    assert 'value="1000000000"' in html and 'value="0112345678"' in html and 'value="Ahmed2"' in html
    assert 'value="الغامدي"' in html  # the valid fields are kept too
    assert db.session.scalar(select(Beneficiary)) is None


def test_second_beneficiary_with_same_id_is_refused_with_a_link(app, seeded, login_as):
    existing = make_beneficiary(first_name="<b>خالد</b>" if False else "خالد")
    client = _en(login_as("officer"))
    response = post_beneficiary(client, phone="0561234567")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already registered" in html
    assert f'href="/admin/beneficiary/details/?id={existing.id}"' in html
    assert db.session.query(Beneficiary).count() == 1


def test_possible_duplicate_is_warned_on_save_and_never_merged(app, seeded, login_as):
    first = make_beneficiary(national_id="1000000008")
    client = _en(login_as("officer"))
    response = post_beneficiary(client)  # same phone and same four-part name, other ID
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Possible duplicate" in page
    assert f"/admin/beneficiary/details/?id={first.id}" in page
    assert db.session.query(Beneficiary).count() == 2
    second = db.session.scalar(select(Beneficiary).where(Beneficiary.id != first.id))
    details = client.get(f"/admin/beneficiary/details/?id={second.id}").get_data(as_text=True)
    assert 'id="possible-duplicates"' in details and "same mobile number" in details


def test_household_inline_rules(app, seeded, login_as):
    client = _en(login_as("officer"))
    token = _token(client, "/admin/beneficiary/new/")
    data = {**FORM, "csrf_token": token, "household-0-csrf_token": token, "household-0-name": "سارة",
            "household-0-relation": "daughter", "household-0-birth_date": "1990-01-01",
            "household-0-national_id": "1000000000", "household-0-monthly_income": ""}
    response = client.post("/admin/beneficiary/new/", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "at least 12 years younger" in html
    assert "check digit" in html
    assert db.session.scalar(select(Beneficiary)) is None
    data.update({"household-0-birth_date": "2012-06-01", "household-0-national_id": "١٠٠٠٠٠٠٠٠٨",
                 "household-0-has_disability": "y"})
    response = client.post("/admin/beneficiary/new/", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    person = db.session.scalar(select(Beneficiary))
    assert [(m.name, m.relation, m.national_id, m.has_disability) for m in person.household] == [
        ("سارة", "daughter", "1000000008", True)]


def test_edit_keeps_own_id_and_audits_field_before_after(app, seeded, login_as):
    person = make_beneficiary()
    client = _en(login_as("officer"))
    url = f"/admin/beneficiary/edit/?id={person.id}"
    response = post_beneficiary(client, url=url, city="جدة", national_id="1058529940")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.table_name == "beneficiary",
                                                       AuditEntry.action == "update"))
    assert entry.changes["city"] == ["الرياض", "جدة"]
    details = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert "City: <bdi>الرياض</bdi> → <bdi>جدة</bdi>" in details


# --- list, search, masking ----------------------------------------------------------

GRANDFATHERS = ["علي", "صالح", "ناصر", "فهد", "سالم", "عمر", "يوسف", "حسن", "حمد", "زيد", "بدر", "ماجد",
                "راشد", "سلمان", "طلال"]


def _rows(n, start=0, first_name="سعد"):
    people = []
    for i in range(start, start + n):
        people.append(make_beneficiary(national_id=luhn_id(f"1000{i:05d}"), phone=f"055{i:07d}",
                                       first_name="فاطمة" if i == 0 else first_name,
                                       grandfather_name=GRANDFATHERS[i % len(GRANDFATHERS)] + "ي" * (i // 15)))
    return people


def test_list_shows_open_requests_without_a_query_per_row(app, seeded, login_as):
    from models.service import ServiceType
    from workflow.applications import receive_application

    people = _rows(3)
    service = ServiceType(name_ar="سلة غذائية")
    db.session.add(service)
    receive_application(people[0], service)
    closed = receive_application(people[0], service)
    closed.status = Status.CLOSED
    receive_application(people[0], service)
    db.session.commit()
    client = login_as("officer")
    with count_queries() as log:
        html = client.get("/admin/beneficiary/").get_data(as_text=True)
    few = log.count
    row = re.search(r"<tr>(?:(?!</tr>).)*فاطمة(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert re.search(r">\s*2\s*</td>", row), row  # two open, the closed one not counted
    _rows(12, start=3)
    many = page_queries(client, "/admin/beneficiary/").count
    assert many == few


@pytest.mark.parametrize("role,masked", [("admin", False), ("officer", False), ("specialist", False),
                                         ("committee", True), ("viewer", True)])
def test_id_and_phone_masked_for_viewer_and_committee(app, seeded, client, users, role, masked):
    person = make_beneficiary()
    login(client, users[role].email)
    for url in ("/admin/beneficiary/", f"/admin/beneficiary/details/?id={person.id}"):
        html = client.get(url).get_data(as_text=True)
        assert ("1058529940" in html) is not masked, (role, url)
        assert ("+966551138821" in html) is not masked, (role, url)
        if masked:
            assert "1******940" in html and "+9665*****821" in html


@pytest.mark.parametrize("query", ["احمد", "الغامدى", "1058529940", "١٠٥٨٥٢٩٩٤٠", "0551138821", "٠٥٥ ١١٣ ٨٨٢١"])
def test_search_box(app, seeded, login_as, query):
    make_beneficiary()
    make_beneficiary(national_id="1000000008", phone="0561234567", first_name="فاطمة", father_name="سعد",
                     grandfather_name="", family_name="الزهراني", gender="female")
    html = login_as("officer").get("/admin/beneficiary/", query_string={"search": query}).get_data(as_text=True)
    assert "الغامدي" in html
    assert "الزهراني" not in html


def test_typed_search_never_reaches_a_url(app, seeded, login_as):
    """The search box posts; links carry a short key, not the national ID that was typed."""
    make_beneficiary()
    for i in range(30):  # two pages of other people, so the pager has links
        make_beneficiary(national_id=luhn_id(f"12{i:07d}"), phone=f"05612{i:05d}", first_name="فاطمة",
                         father_name="سعد", grandfather_name="", family_name="الزهراني", gender="female")
    client = login_as("officer")
    token = _token(client, "/admin/beneficiary/")
    response = client.post("/admin/beneficiary/", data={"search": "١٠٥٨٥٢٩٩٤٠", "csrf_token": token})
    assert response.status_code == 302
    target = response.headers["Location"]
    assert "1058529940" not in target and "%D9%A1" not in target and "q=" in target
    html = client.get(target).get_data(as_text=True)
    assert "الغامدي" in html and "الزهراني" not in html
    assert 'value="١٠٥٨٥٢٩٩٤٠"' in html  # the box still shows what was typed
    links = re.findall(r'href="(/admin/beneficiary/[^"]*)"', html)
    assert links and not any("search=" in link or "1058529940" in link for link in links)

    # A name search across pages: the pager's links keep the search by its key only.
    response = client.post("/admin/beneficiary/", data={"search": "فاطمة الزهراني", "csrf_token": token})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "الغامدي" not in html and html.count("الزهراني") >= 20
    pages = [link for link in re.findall(r'href="(/admin/beneficiary/\?[^"]*page=1[^"]*)"', html)]
    assert pages and all("q=" in link and "search=" not in link for link in pages)
    second = client.get(pages[0].replace("&amp;", "&")).get_data(as_text=True)
    assert "الزهراني" in second and "الغامدي" not in second
    # Clearing the search drops the key.
    clear = re.search(r'<a href="([^"]*)" class="align-middle">', html).group(1)
    assert "q=" not in clear

    # Without JavaScript the form sends ?search= with the old key beside it: the new text wins.
    stale = client.get(target + "&search=الزهراني").get_data(as_text=True)  # target: the ID search's key
    assert "الزهراني" in stale and "أحمد محمد علي الغامدي" not in stale
    later = re.findall(r'href="(/admin/beneficiary/\?[^"]*page=1[^"]*)"', stale)
    assert later and all("q=" not in link and "search=" in link for link in later)
    # An unknown key (another session's, or forgotten) is no search at all; a POST needs its CSRF token.
    unfiltered = client.get("/admin/beneficiary/?q=nonsense").get_data(as_text=True)
    assert "الزهراني" in unfiltered and "الغامدي" not in unfiltered.split("<table")[0]
    assert client.post("/admin/beneficiary/", data={"search": "1058529940"}).status_code == 400


def test_filters(app, seeded, login_as):
    make_beneficiary()
    make_beneficiary(national_id="1000000008", phone="0561234567", first_name="فاطمة", father_name="سعد",
                     family_name="الزهراني", gender="female", city="جدة", region="makkah")
    client = login_as("officer")
    html = client.get("/admin/beneficiary/").get_data(as_text=True)
    # Filter arguments are flt<N>_<index>; find the gender/region ones from the page's filter data.
    for label, value, shown, hidden in (("Gender", "female", "الزهراني", "الغامدي"),
                                        ("Region", "makkah", "الزهراني", "الغامدي")):
        index = _filter_index(client, label)
        page = client.get(f"/admin/beneficiary/?flt0_{index}={value}").get_data(as_text=True)
        assert shown in page and hidden not in page, label
    assert html


def _filter_index(client, label):
    from flask import current_app

    view = next(v for v in current_app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "beneficiary")
    with current_app.test_request_context("/?lang=en"):
        view._refresh_filters_cache()
        for i, flt in enumerate(view._filters):
            if str(flt.name) == label:
                return view.get_filter_arg(i, flt)
    raise AssertionError(label)


# --- details, audit of reads, exports --------------------------------------------------

def test_details_are_audited_and_show_the_timeline(app, seeded, client, login_as, users):
    person = make_beneficiary()
    channel = db.session.scalar(select(Channel).where(Channel.code == "phone"))
    db.session.add(Communication(beneficiary=person, channel=channel, direction="incoming", subject="سؤال عن الطلب",
                                 staff_id=users["officer"].id))
    db.session.commit()
    client = _en(login_as("viewer"))
    html = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert 'id="timeline"' in html
    assert "سؤال عن الطلب" in html
    assert 'data-kind="change"' in html  # the creation, from the audit trail
    assert "1******940" in html and "1058529940" not in html  # masked in the timeline's changes too
    view = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view"))
    assert view.table_name == "beneficiary" and view.record_id == str(person.id)
    assert view.actor == "viewer@example.org"
    # The officer sees the actions; the viewer has none.
    assert 'id="beneficiary-actions"' not in html
    officer = _en(login(client, users["officer"].email))
    assert 'id="beneficiary-actions"' in officer.get(f"/admin/beneficiary/details/?id={person.id}").get_data(
        as_text=True)


def test_long_timeline_shows_the_newest_and_offers_the_rest(app, seeded, client, login_as, users):
    from datetime import datetime, timedelta, timezone

    person = make_beneficiary()
    channel = db.session.scalar(select(Channel).where(Channel.code == "phone"))
    start = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
    db.session.add_all([Communication(beneficiary=person, channel=channel, direction="incoming", at=start + timedelta(days=i),
                                      subject=f"مكالمة رقم {i}", staff_id=users["officer"].id) for i in range(120)])
    db.session.commit()
    client = login_as("officer")
    html = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert html.count('<li class="list-group-item" data-kind=') == 100
    assert "مكالمة رقم 119<" in html and "مكالمة رقم 5<" not in html  # the newest first
    older = re.search(r'id="timeline-older" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    whole = client.get(older).get_data(as_text=True)
    assert whole.count('<li class="list-group-item" data-kind=') == 121  # 120 calls and the creation
    assert "مكالمة رقم 0<" in whole and 'id="timeline-older"' not in whole


def test_timeline_names_request_steps_and_links_the_request(app, seeded, client, login_as, users):
    from tests import factories

    person = make_beneficiary()
    request_ = factories.application(person, actor=users["officer"])
    db.session.commit()
    client = _en(login_as("officer"))
    html = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    step = re.search(r'data-kind="request">(.*?)</li>', html, re.S).group(1)
    assert f'href="/admin/application/details/?id={request_.id}"' in step
    assert f"{request_.reference}: Received" in step and "— → Received" in step  # labels, not codes
    assert "receive<" not in step and "received" not in step
    arabic = client.get(f"/admin/beneficiary/details/?id={person.id}&lang=ar").get_data(as_text=True)
    assert "receive" not in re.search(r'data-kind="request">(.*?)</li>', arabic, re.S).group(1)
    # A specialist is not sent to a request that is not theirs (the request list would not show it).
    specialist = _en(login(client, users["specialist"].email))
    html = specialist.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert "/admin/application/details/" not in re.search(r'data-kind="request">(.*?)</li>', html, re.S).group(1)


@pytest.mark.parametrize("role,masked", [("officer", False), ("viewer", True), ("committee", True)])
def test_export_csv_masks_and_escapes(app, seeded, client, users, role, masked):
    make_beneficiary(notes="=HYPERLINK(\"http://x\")", city="=cmd")
    login(client, users[role].email)
    response = client.get("/admin/beneficiary/export/csv/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    text = ",".join(rows[1])
    assert ("1058529940" in text) is not masked
    assert ("1******940" in text) is masked
    assert "'=cmd" in rows[1]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is not None


def test_export_xlsx_is_masked_for_viewer(app, seeded, client, users):
    from openpyxl import load_workbook

    make_beneficiary()
    login(client, users["viewer"].email)
    response = client.get("/admin/beneficiary/export/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert "1******940" in values and "1058529940" not in values


def test_specialist_cannot_export(app, seeded, client, users):
    make_beneficiary()
    login(client, users["specialist"].email)
    assert client.get("/admin/beneficiary/export/csv/").status_code == 403


# --- documents and files -------------------------------------------------------------

def _doc_type(code="national_id_copy"):
    return db.session.scalar(select(DocumentType).where(DocumentType.code == code))


def upload_document(client, person, data, name="هوية.png", doc_type=None, **extra):
    token = _token(client, "/admin/document/new/")
    form = {"csrf_token": token, "beneficiary": str(person.id), "document_type": str((doc_type or _doc_type()).id),
            "issue_date": "2024-01-01", "expiry_date": "2030-01-01", "notes": "",
            "upload": (io.BytesIO(data), name), **extra}
    return client.post(f"/admin/document/new/?beneficiary_id={person.id}", data=form,
                       content_type="multipart/form-data")


def test_document_upload_download_and_preview(app, seeded, client, users):
    person = make_beneficiary()
    login(client, users["officer"].email)
    response = upload_document(client, person, png_bytes())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"].endswith(f"/admin/beneficiary/details/?id={person.id}")
    document = db.session.scalar(select(Document))
    stored = document.file
    assert stored.original_name == "هوية.png" and stored.mime == "image/png"
    assert re.fullmatch(r"[0-9a-f]{32}\.png", stored.storage_name)
    from pathlib import Path

    assert (Path(app.config["UPLOAD_FOLDER"]) / stored.storage_name).read_bytes() == png_bytes()

    for role in ("viewer", "committee"):  # they see ID numbers masked: not the ID card's scan either
        login(client, users[role].email)
        assert client.get(f"/admin/file/{stored.id}").status_code == 403, role
        assert client.get(f"/admin/file/{stored.id}?inline=1").status_code == 403, role
    for role in ("officer", "specialist"):
        login(client, users[role].email)
        download = client.get(f"/admin/file/{stored.id}")
        assert download.status_code == 200, role
        assert download.data == png_bytes()
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Type"] == "application/octet-stream"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%D9%87%D9%88%D9%8A%D8%A9.png" in disposition
        preview = client.get(f"/admin/file/{stored.id}?inline=1")
        assert preview.headers["Content-Type"] == "image/png"
        assert preview.headers["Content-Disposition"].startswith("inline;")
        assert "sandbox" in preview.headers["Content-Security-Policy"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "download")) is not None
    anonymous = app.test_client().get(f"/admin/file/{stored.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_unowned_files_are_for_admins_only(app, seeded, client, users):
    from workflow.storage import save_bytes

    stored = save_bytes(pdf_bytes(), "orphan.pdf")
    db.session.commit()
    login(client, users["officer"].email)
    assert client.get(f"/admin/file/{stored.id}").status_code == 403
    login(client, users["admin"].email)
    assert client.get(f"/admin/file/{stored.id}").status_code == 200
    assert client.get("/admin/file/999999").status_code == 404


@pytest.mark.parametrize("data,name,message", [
    (b"<html><script>alert(1)</script></html>", "report.pdf", "Unsupported file type"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "photo.png", "Unsupported file type"),
    (b"MZ\x90\x00" + b"\x00" * 64, "scan.jpg", "Unsupported file type"),
    (png_bytes() + b"PK\x03\x04\x14\x00" + b"\x00" * 40, "id.png", "embedded archive"),
    (png_bytes()[:-5], "id.png", "damaged"),
])
def test_bad_uploads_are_refused_at_the_field(app, seeded, client, users, data, name, message):
    person = make_beneficiary()
    login(client, users["officer"].email)
    _en(client)
    response = upload_document(client, person, data, name=name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Document)) is None
    assert db.session.scalar(select(StoredFile)) is None


def test_expiring_type_needs_expiry_and_expired_is_flagged(app, seeded, client, users):
    person = make_beneficiary()
    login(client, users["officer"].email)
    _en(client)
    response = upload_document(client, person, png_bytes(), expiry_date="")
    assert "expires: enter its expiry date" in response.get_data(as_text=True)
    response = upload_document(client, person, png_bytes(), issue_date="2020-01-01", expiry_date="2021-01-01")
    assert response.status_code == 302
    html = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert 'id="document-flags"' in html and 'data-state="expired"' in html
    listing = client.get("/admin/document/").get_data(as_text=True)
    assert 'data-state="expired"' in listing
    assert 'data-alerts="1"' in client.get("/admin/beneficiary/").get_data(as_text=True)


def test_too_large_upload_gets_the_413_page(app, seeded, client, users):
    person = make_beneficiary()
    app.config["MAX_CONTENT_LENGTH"] = 2048
    login(client, users["officer"].email)
    response = upload_document(client, person, png_bytes() + b"\x00" * 4096)
    assert response.status_code == 413


def test_document_inline_on_the_beneficiary_form(app, seeded, login_as):
    client = _en(login_as("officer"))
    token = _token(client, "/admin/beneficiary/new/")
    data = {**FORM, "csrf_token": token, "documents-0-csrf_token": token,
            "documents-0-document_type": str(_doc_type("family_card").id), "documents-0-issue_date": "2020-01-01",
            "documents-0-expiry_date": "", "documents-0-notes": "",
            "documents-0-upload": (io.BytesIO(pdf_bytes()), "سجل الأسرة.pdf")}
    response = client.post("/admin/beneficiary/new/", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    person = db.session.scalar(select(Beneficiary))
    assert [(d.document_type.code, d.file.original_name) for d in person.documents] == [
        ("family_card", "سجل الأسرة.pdf")]


# --- declarations ----------------------------------------------------------------------

def _declare(client, person, **fields):
    token = _token(client, "/admin/declaration/new/")
    data = {"csrf_token": token, "beneficiary": str(person.id), **fields}
    return client.post(f"/admin/declaration/new/?beneficiary_id={person.id}", data=data,
                       content_type="multipart/form-data")


def test_declarations_in_person_and_online(app, seeded, client, users):
    person = make_beneficiary()
    login(client, users["officer"].email)
    _en(client)
    html = _declare(client, person, method="in_person").get_data(as_text=True)
    assert "Upload the scan" in html
    html = _declare(client, person, method="online", signed_name="شخص آخر").get_data(as_text=True)
    assert "must match the beneficiary" in html and "must tick the box" in html
    assert db.session.scalar(select(Declaration)) is None

    response = _declare(client, person, method="online", signed_name="احمد محمد علي الغامدى", agreed="y")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = _declare(client, person, method="in_person", scan=(io.BytesIO(pdf_bytes()), "إقرار.pdf"))
    assert response.status_code == 302
    online, paper = db.session.scalars(select(Declaration).order_by(Declaration.id)).all()
    assert online.ip_address == "127.0.0.1" and online.text.version == 1 and online.signed_name
    assert paper.scan_file.original_name == "إقرار.pdf" and paper.recorded_by_id == users["officer"].id
    details = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert details.count('data-kind="declaration"') == 2


def test_printable_declaration(app, seeded, client, users):
    person = make_beneficiary()
    login(client, users["officer"].email)
    html = client.get(f"/admin/beneficiary/{person.id}/declaration.print").get_data(as_text=True)
    assert 'dir="rtl"' in html and "size: A4" in html
    assert person.full_name in html and "1058529940" in html and "أقرّ" in html
    login(client, users["viewer"].email)
    assert client.get(f"/admin/beneficiary/{person.id}/declaration.print").status_code == 403
    login(client, users["officer"].email)
    assert client.get("/admin/beneficiary/999/declaration.print").status_code == 404


def test_declaration_text_versions(app, seeded, client, users):
    login(client, users["admin"].email)
    _en(client)
    token = _token(client, "/admin/declarationtext/new/")
    response = client.post("/admin/declarationtext/new/", data={"csrf_token": token, "text_ar": "نص جديد",
                                                                "text_en": "New text"})
    assert response.status_code == 302
    assert [t.version for t in db.session.scalars(select(DeclarationText).order_by(DeclarationText.version))] == [1, 2]
    person = make_beneficiary()
    from workflow.registry import record_declaration

    record_declaration(person, "online", signed_name=person.full_name, agreed=True)
    db.session.commit()
    v2 = db.session.scalar(select(DeclarationText).where(DeclarationText.version == 2))
    token = _token(client, f"/admin/declarationtext/edit/?id={v2.id}")
    response = client.post(f"/admin/declarationtext/edit/?id={v2.id}",
                           data={"csrf_token": token, "text_ar": "تعديل", "text_en": ""})
    assert "signed already" in response.get_data(as_text=True)
    db.session.refresh(v2)
    assert v2.text_ar == "نص جديد"


# --- communications ------------------------------------------------------------------------

def test_communication_recorded_and_on_the_timeline(app, seeded, client, users):
    person = make_beneficiary()
    login(client, users["officer"].email)
    page = client.get(f"/admin/communication/new/?beneficiary_id={person.id}").get_data(as_text=True)
    assert re.search(rf'id="beneficiary"[^>]*value="{person.id}"', page)  # pre-selected
    channel = db.session.scalar(select(Channel).where(Channel.code == "interview"))
    token = csrf_token(page)
    response = client.post(f"/admin/communication/new/?beneficiary_id={person.id}", data={
        "csrf_token": token, "beneficiary": str(person.id), "channel": str(channel.id), "direction": "incoming",
        "subject": "استفسار", "summary": "سأل عن موعد المقابلة", "at": "2025-09-15 10:30:00",
        "follow_up_on": "2025-09-20"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    comm = db.session.scalar(select(Communication))
    assert comm.staff_id == users["officer"].id and comm.follow_up_on == date(2025, 9, 20)
    assert comm.at.hour == 7  # 10:30 Riyadh time is 07:30 UTC
    details = client.get(f"/admin/beneficiary/details/?id={person.id}").get_data(as_text=True)
    assert "استفسار" in details
    login(client, users["viewer"].email)
    assert "استفسار" in client.get("/admin/communication/").get_data(as_text=True)
    assert client.get("/admin/communication/new/").status_code == 403


def test_communication_needs_subject_and_beneficiary(app, seeded, client, users):
    login(client, users["officer"].email)
    _en(client)
    token = _token(client, "/admin/communication/new/")
    response = client.post("/admin/communication/new/", data={"csrf_token": token, "direction": "incoming",
                                                              "subject": " ", "at": "2025-09-15 10:30:00"})
    html = response.get_data(as_text=True)
    assert "Choose the beneficiary" in html and "short subject" in html


# --- reference lists --------------------------------------------------------------------------

def test_defaults_are_loaded_once(app):
    from workflow.reference import load_defaults

    assert load_defaults()["channel"] == 9
    assert load_defaults() == {}
    channels = db.session.scalars(select(Channel).order_by(Channel.sort_order)).all()
    assert [c.code for c in channels] == ["interview", "phone", "social_media", "letters", "assistance_requests",
                                          "volunteering", "website", "branch_offices", "outreach"]
    tools = [t.code for t in db.session.scalars(select(StaffTool).order_by(StaffTool.sort_order))]
    assert tools == ["bylaws", "eligibility_regulation", "policies_manual", "request_form", "social_research_guide",
                     "support_policy_guide"]
    types = {t.code: t.expires for t in db.session.scalars(select(DocumentType))}
    assert types == {"national_id_copy": True, "family_card": False, "income_proof": True, "lease": True,
                     "medical_report": True}
    from models.organisation import OrganisationProfile

    assert db.session.get(OrganisationProfile, 1).default_decision_period_days == 14


def test_seed_command(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert "channel: 9 added" in result.output
    result = app.test_cli_runner().invoke(args=["seed"])
    assert "nothing changed" in result.output


def test_staff_tool_link_must_be_web_address(app, seeded, client, users):
    login(client, users["admin"].email)
    _en(client)
    token = _token(client, "/admin/stafftool/new/")
    base = {"csrf_token": token, "code": "visit_guide", "name_ar": "دليل الزيارة", "name_en": "", "active": "y",
            "sort_order": "70"}
    html = client.post("/admin/stafftool/new/", data={**base, "url": "javascript:alert(1)"}).get_data(as_text=True)
    assert "starting with https://" in html
    html = client.post("/admin/stafftool/new/", data={**base, "url": ""}).get_data(as_text=True)
    assert "Give a link or upload a file" in html
    response = client.post("/admin/stafftool/new/", data={**base, "url": "", "upload": (io.BytesIO(pdf_bytes()),
                                                                                         "دليل.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    tool = db.session.scalar(select(StaffTool).where(StaffTool.code == "visit_guide"))
    login(client, users["viewer"].email)
    listing = client.get("/admin/stafftool/").get_data(as_text=True)
    assert "دليل الزيارة" in listing and f"/admin/file/{tool.file_id}" in listing
    assert client.get(f"/admin/file/{tool.file_id}").status_code == 200


def test_channel_code_rules(app, seeded, client, users):
    login(client, users["admin"].email)
    _en(client)
    token = _token(client, "/admin/channel/new/")
    html = client.post("/admin/channel/new/", data={"csrf_token": token, "code": "قناة", "name_ar": "",
                                                    "sort_order": "1"}).get_data(as_text=True)
    assert "small English letters" in html and "Arabic name is required" in html


def test_beneficiary_lookup_folds_arabic(app, seeded, login_as):
    make_beneficiary()
    client = login_as("officer")
    response = client.get("/admin/document/ajax/lookup/?name=beneficiary&query=احمد")
    assert response.status_code == 200
    assert response.json == [[1, "أحمد محمد علي الغامدي — 1******940"]]  # masked in look-ups


def test_deleting_removes_files_and_bulk_delete_works(app, seeded, client, users):
    from pathlib import Path

    person = make_beneficiary()
    other = make_beneficiary(national_id="1000000008", phone="0561234567", first_name="سعد")
    person_id, other_id = person.id, other.id
    login(client, users["officer"].email)
    assert upload_document(client, person, png_bytes()).status_code == 302
    stored = db.session.scalar(select(StoredFile))
    on_disk = Path(app.config["UPLOAD_FOLDER"]) / stored.storage_name
    assert on_disk.exists()
    # A row is deleted by ticking it and choosing Delete under "With selected" (no delete form per
    # row): the list's action form, as rendered (its fields, its CSRF token), with the row's box.
    html = client.get("/admin/beneficiary/").get_data(as_text=True)
    assert '<form class="icon" method="POST"' not in html
    assert f'name="rowid" class="action-checkbox" value="{person_id}"' in html
    action_form = re.search(r'<form id="action_form" action="([^"]+)" method="POST"[^>]*>(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'<input id="[a-z_]+" name="([a-z_]+)" type="hidden" value="([^"]*)">', action_form[2]))
    assert set(fields) == {"csrf_token", "url", "action"}
    response = client.post(action_form[1], data={**fields, "action": "delete", "rowid": [str(person_id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Beneficiary, person_id) is None
    assert db.session.scalar(select(Document)) is None
    assert db.session.scalar(select(StoredFile)) is None and not on_disk.exists()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.table_name == "beneficiary",
                                                      AuditEntry.action == "delete")) is not None
    # Bulk delete (typed ids, as PostgreSQL needs) by the officer; refused to the viewer.
    login(client, users["viewer"].email)
    client.post("/admin/beneficiary/action/", data={"csrf_token": _token(client), "action": "delete",
                                                    "rowid": [str(other_id)]})
    assert db.session.get(Beneficiary, other_id) is not None
    login(client, users["officer"].email)
    client.post("/admin/beneficiary/action/", data={"csrf_token": _token(client), "action": "delete",
                                                    "rowid": [str(other_id), "not-a-number"]})
    db.session.expire_all()
    assert db.session.get(Beneficiary, other_id) is None


def test_editing_keeps_files_replacing_purges_the_old_one(app, seeded, client, users):
    from pathlib import Path

    person = make_beneficiary()
    login(client, users["officer"].email)
    assert upload_document(client, person, png_bytes(), name="قديم.png").status_code == 302
    document = db.session.scalar(select(Document))
    old = document.file
    old_id = old.id
    old_path = Path(app.config["UPLOAD_FOLDER"]) / old.storage_name
    # Editing the beneficiary (document inline, no new file) keeps the document and its file.
    url = f"/admin/beneficiary/edit/?id={person.id}"
    page = client.get(url).get_data(as_text=True)
    assert "قديم.png" in page  # the current file is shown on the inline form
    token = csrf_token(page)
    data = {**FORM, "national_id": "1058529940", "csrf_token": token, "documents-0-csrf_token": token,
            "documents-0-id": str(document.id), "documents-0-document_type": str(document.document_type_id),
            "documents-0-issue_date": "2024-01-01", "documents-0-expiry_date": "2030-01-01",
            "documents-0-notes": "", "city": "جدة"}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert db.session.get(Document, document.id).file_id == old_id and old_path.exists()
    # Replacing the file on the document's own form removes the old file.
    edit = f"/admin/document/edit/?id={document.id}"
    token = csrf_token(client.get(edit).get_data(as_text=True))
    response = client.post(edit, data={"csrf_token": token, "beneficiary": str(person.id),
                                       "document_type": str(document.document_type_id), "issue_date": "2024-01-01",
                                       "expiry_date": "2030-01-01", "notes": "",
                                       "upload": (io.BytesIO(pdf_bytes()), "جديد.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert db.session.get(Document, document.id).file.original_name == "جديد.pdf"
    assert not old_path.exists() and db.session.get(StoredFile, old_id) is None


def test_editing_a_communication_keeps_its_local_time(app, seeded, client, users):
    person = make_beneficiary()
    login(client, users["officer"].email)
    token = _token(client, "/admin/communication/new/")
    client.post("/admin/communication/new/", data={"csrf_token": token, "beneficiary": str(person.id),
                                                   "direction": "outgoing", "subject": "اتصال",
                                                   "at": "2025-09-15 10:30:00"})
    comm = db.session.scalar(select(Communication))
    page = client.get(f"/admin/communication/edit/?id={comm.id}").get_data(as_text=True)
    assert 'value="2025-09-15T10:30"' in page  # the browser's own date-time input, local time
    response = client.post(f"/admin/communication/edit/?id={comm.id}", data={
        "csrf_token": csrf_token(page), "beneficiary": str(person.id), "direction": "outgoing",
        "subject": "اتصال", "at": "2025-09-15T10:30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Communication, comm.id).at.hour == 7


def test_beneficiary_with_requests_cannot_be_deleted(app, seeded, client, users):
    from models.service import ServiceType
    from workflow.applications import receive_application

    person = make_beneficiary()
    service = ServiceType(name_ar="كفالة")
    db.session.add(service)
    receive_application(person, service)
    db.session.commit()
    person_id = person.id
    login(client, users["officer"].email)
    _en(client)
    token = _token(client, "/admin/beneficiary/")
    response = client.post("/admin/beneficiary/delete/", data={"csrf_token": token, "id": str(person_id)},
                           follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Beneficiary, person_id) is not None
