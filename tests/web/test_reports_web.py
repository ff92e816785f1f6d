"""Reports page, exports, home dashboards per role, data-protection screens: what a user sees."""
import csv
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from extensions import db
from models.application import Status
from models.audit import AuditEntry
from models.committee import AgendaItem, CommitteeSession
from models.privacy import BreachIncident, PrivacyRequest
from tests.conftest import csrf_token
from tests.querycount import page_queries
from tests.report_fixtures import channel, communication, decide, person, refer, request, service, utc
from workflow.applications import record_transition
from workflow.reports import local_today


@pytest.fixture
def office(app, users):
    """Requests received by the officer, relative to today so the dashboard's windows apply."""
    today = local_today()
    now = datetime.now(timezone.utc)
    web, phone = channel("web", "الموقع الإلكتروني"), channel("phone", "الهاتف")
    food = service("سلة غذائية", period=14)
    b = person(first_name="عبدالرحمن")
    officer = users["officer"]
    apps = {
        "overdue": request(b, food, web, now - timedelta(days=20), actor=officer),  # due 6 days ago
        "due_soon": request(b, food, phone, now - timedelta(days=10), actor=officer),  # due in 4 days
        "fresh": request(b, food, web, now - timedelta(hours=1), actor=officer),
        "incomplete": request(b, food, web, now - timedelta(days=2), actor=officer),
        "referred": request(b, food, web, now - timedelta(days=3), actor=officer),
        "referred_older": request(b, food, web, now - timedelta(days=5), actor=officer),
        "someone_else": request(b, food, web, now - timedelta(days=30), actor=users["admin"]),
        "rejected": request(b, food, web, now - timedelta(days=9), actor=officer),
    }
    record_transition(apps["incomplete"], "incomplete", Status.INCOMPLETE)
    refer(apps["referred"], users["specialist"], now - timedelta(days=2))
    refer(apps["referred_older"], users["specialist"], now - timedelta(days=4))
    decide(apps["rejected"], "reject", now - timedelta(days=1), "=HYPERLINK(\"http://evil\")")
    communication(b, officer, follow_up_on=today - timedelta(days=1))
    communication(b, officer, follow_up_on=today + timedelta(days=3))  # not due yet
    session = CommitteeSession(number="1447-07", held_on=today + timedelta(days=2), members=[users["committee"]])
    db.session.add(session)
    db.session.add(CommitteeSession(number="1447-09", held_on=today + timedelta(days=20)))
    # Sooner, but the member does not sit on it: their own session comes first.
    db.session.add(CommitteeSession(number="1447-05", held_on=today + timedelta(days=1)))
    db.session.flush()
    db.session.add_all([AgendaItem(session=session, application=apps["due_soon"], position=1),
                        AgendaItem(session=session, application=apps["fresh"], position=2)])
    db.session.commit()
    return apps


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _number(html, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>\s*<div class="card-body[^"]*">\s*<div class="dash-number[^"]*"><span dir="ltr">([^<]+)<',
                      html)
    assert match, element_id
    return match.group(1).strip()


def _link(html, element_id):
    return re.search(rf'href="([^"]+)" id="{element_id}"', html).group(1).replace("&amp;", "&")


def test_officer_dashboard_numbers_link_to_their_lists(office, client, login_as):
    login_as("officer")
    html = client.get("/admin/").get_data(as_text=True)
    expected = {"dash-my-open": "6", "dash-my-overdue": "1", "dash-my-due-week": "1", "dash-my-incomplete": "1",
                "dash-my-followups": "1"}
    for element_id, value in expected.items():
        assert _number(html, element_id) == value, element_id
        listing = client.get(_link(html, element_id))
        assert listing.status_code == 200
        page = listing.get_data(as_text=True)
        assert re.search(r'id="list-total">(\d+)<', page).group(1) == value
    overdue_list = client.get(_link(html, "dash-my-overdue")).get_data(as_text=True)
    assert office["overdue"].reference in overdue_list
    assert office["someone_else"].reference not in overdue_list  # not mine
    assert "dash-board" not in html and "dash-privacy" not in html
    # Per status: the badge links to the filtered list.
    assert "/admin/dashboard/list/my_open?status=with_specialist" in html
    filtered = client.get("/admin/dashboard/list/my_open?status=with_specialist").get_data(as_text=True)
    assert re.search(r'id="list-total">(\d+)<', filtered).group(1) == "2"


def test_specialist_sees_referrals_oldest_first(office, client, login_as):
    login_as("specialist")
    html = client.get("/admin/").get_data(as_text=True)
    assert "dash-specialist" in html
    older, newer = html.index(office["referred_older"].reference), html.index(office["referred"].reference)
    assert older < newer
    assert client.get("/admin/dashboard/list/my_open").status_code == 403


def test_committee_sees_next_session_and_agenda_size(office, client, login_as):
    login_as("committee")
    html = client.get("/admin/").get_data(as_text=True)
    assert "1447-07" in html and "1447-09" not in html and "1447-05" not in html
    assert re.search(r'id="dash-agenda-size">(\d+)<', html).group(1) == "2"


def test_admin_board_and_data_protection_panel(office, client, login_as):
    today = local_today()
    db.session.add(PrivacyRequest(kind="correction", requester_name="صالح", received_on=today - timedelta(days=40),
                                  due_on=today - timedelta(days=10)))
    db.session.add(BreachIncident(title="بريد أُرسل لغير صاحبه",
                                  discovered_at=datetime.now(timezone.utc) - timedelta(hours=30)))
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert _number(html, "dash-open") == "7"  # all but the rejected one
    assert _number(html, "dash-overdue") == "2"  # the officer's and the admin's own old request
    overdue = client.get(_link(html, "dash-overdue")).get_data(as_text=True)
    assert re.search(r'id="list-total">(\d+)<', overdue).group(1) == "2"
    assert "dash-privacy" in html
    privacy = client.get(_link(html, "dash-privacy-overdue")).get_data(as_text=True)
    assert "صالح" in privacy
    assert "بريد أُرسل لغير صاحبه" in html
    # Discovered 30 hours ago: 41 full hours are left of the 72.
    assert re.search(r'badge-warning">[^<]*\b41\b', html)


def test_viewer_gets_the_board_without_privacy(office, client, login_as):
    login_as("viewer")
    html = client.get("/admin/").get_data(as_text=True)
    assert "dash-board" in html and "dash-privacy" not in html


def test_reports_page_shows_numbers_and_charts(office, client, login_as):
    login_as("committee")
    response = client.get("/admin/reports/?date_from=&date_to=")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="requests-total">(\d+)<', html).group(1) == "8"
    assert html.count("<svg") >= 4
    assert "الموقع الإلكتروني" in html
    assert 'id="section-satisfaction"' in html
    # An empty range says so and still renders.
    empty = client.get("/admin/reports/?date_from=2001-01-01&date_to=2001-02-28").get_data(as_text=True)
    assert re.search(r'id="requests-total">(\d+)<', empty).group(1) == "0"


def test_csv_export_has_bom_escapes_formulas_and_is_audited(office, client, login_as, users):
    login_as("viewer")
    response = client.get("/admin/reports/export/reasons.csv?date_from=&date_to=")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert ["'=HYPERLINK(\"http://evil\")", "1"] in rows
    assert "attachment" in response.headers["Content-Disposition"]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "export",
                                                          AuditEntry.table_name == "report"))
    assert entry.record_id == "reasons" and entry.user_id == users["viewer"].id


def test_xlsx_export_of_everything(office, client, login_as):
    login_as("officer")
    response = client.get("/admin/reports/export/all.xlsx?date_from=&date_to=")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) >= 7
    sheets = {ws.title: ws for ws in book.worksheets}
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert all(ws.sheet_view.rightToLeft for ws in sheets.values())
    assert client.get("/admin/reports/export/nothing.csv").status_code == 404
    assert client.get("/admin/reports/export/all.pdf").status_code == 404


def test_subject_export_html_and_json_are_audited(office, client, login_as, users):
    b = office["overdue"].beneficiary
    login_as("officer")
    page = client.get("/admin/privacy-export/")
    token = csrf_token(page.get_data(as_text=True))
    missing = client.post("/admin/privacy-export/", data={"national_id": "1999999999", "csrf_token": token})
    assert "No beneficiary has this national ID." in missing.get_data(as_text=True) or "لا يوجد" in missing.get_data(as_text=True)
    found = client.post("/admin/privacy-export/", data={"national_id": b.national_id, "csrf_token": token})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/admin/privacy-export/{b.id}/")
    html = client.get(f"/admin/privacy-export/{b.id}/").get_data(as_text=True)
    assert b.national_id in html and "عبدالرحمن" in html and office["rejected"].reference in html
    response = client.get(f"/admin/privacy-export/{b.id}.json")
    data = json.loads(response.get_data(as_text=True))
    assert data["beneficiary"]["national_id"] == b.national_id
    # Every contact is in the export, the messages the outbox wrote for the requests included.
    from models.beneficiary import Communication

    contacts = db.session.scalar(db.select(db.func.count(Communication.id)).where(Communication.beneficiary_id == b.id))
    assert len(data["applications"]) == 8 and len(data["communications"]) == contacts > 2
    assert "attachment" in response.headers["Content-Disposition"]
    notes = [e.note for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "export", AuditEntry.table_name == "beneficiary", AuditEntry.record_id == str(b.id)))]
    assert sorted(notes) == ["personal data export (html)", "personal data export (json)"]
    assert client.get("/admin/privacy-export/999999/").status_code == 404


def test_privacy_request_register_sets_deadline_and_needs_an_outcome_to_close(app, client, login_as):
    login_as("officer")
    form = client.get("/admin/privacyrequest/new/").get_data(as_text=True)
    token = csrf_token(form)
    response = client.post("/admin/privacyrequest/new/", data={
        "kind": "correction", "requester_name": "منيرة", "received_on": "2026-01-10",
        "details": "تصحيح رقم الجوال", "status": "open", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = db.session.scalar(db.select(PrivacyRequest))
    assert row.due_on == date(2026, 2, 9)
    response = client.post(f"/admin/privacyrequest/edit/?id={row.id}", data={
        "kind": "correction", "requester_name": "منيرة", "received_on": "2026-01-10",
        "details": "تصحيح رقم الجوال", "status": "completed", "outcome": "", "csrf_token": token})
    assert response.status_code == 200  # form shown again with the message
    db.session.expire_all()
    assert db.session.get(PrivacyRequest, row.id).status == "open"


def test_breach_register_takes_local_times_and_shows_the_clock(app, client, login_as):
    login_as("admin")
    token = csrf_token(client.get("/admin/breachincident/new/").get_data(as_text=True))
    response = client.post("/admin/breachincident/new/", data={
        "title": "فقدان حاسوب محمول", "discovered_at": "2026-03-01 09:00:00", "categories": ["identity", "contact"],
        "people_affected": "120", "measures": "تغيير كلمات المرور", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    breach = db.session.scalar(db.select(BreachIncident))
    assert breach.discovered_at == datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)  # 09:00 in Riyadh
    assert breach.categories == ["identity", "contact"]
    listing = client.get("/admin/breachincident/").get_data(as_text=True)
    assert "badge-danger" in listing  # long past 72 hours without notification


def test_query_counts_do_not_grow_with_rows(app, client, login_as, users):
    login_as("admin")
    web, food = channel("web", "الموقع"), service("سلة غذائية")
    now = datetime.now(timezone.utc)

    def add(n):
        for i in range(n):
            b = person()
            request(b, food, web, now - timedelta(days=i + 1), actor=users["officer"])
            communication(b, users["admin"], follow_up_on=local_today())
            db.session.add(PrivacyRequest(kind="access", requester_name="x", beneficiary=b, received_on=local_today(),
                                          due_on=local_today()))
        db.session.commit()

    urls = ["/admin/", "/admin/dashboard/list/open", "/admin/dashboard/list/my_followups",
            "/admin/privacyrequest/", "/admin/reports/"]
    add(2)
    few = {url: page_queries(client, url).count for url in urls}
    add(10)
    many = {url: page_queries(client, url).count for url in urls}
    assert many == few


def test_admin_sets_the_retention_period_and_sees_the_preview(app, client, login_as):
    from models.organisation import OrganisationProfile

    login_as("admin")
    page = client.get("/admin/retention/").get_data(as_text=True)
    token = csrf_token(page)
    bad = client.post("/admin/retention/", data={"retention_years": "-3", "csrf_token": token})
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
    assert db.session.get(OrganisationProfile, 1) is None
    ok = client.post("/admin/retention/", data={"retention_years": "٥", "csrf_token": token})  # Arabic digit
    assert ok.status_code == 302
    assert db.session.get(OrganisationProfile, 1).retention_years == 5
    page = client.get("/admin/retention/").get_data(as_text=True)
    assert 'id="retention-preview"' in page and ": 0." in page
