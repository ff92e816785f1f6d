"""List pages send the same number of queries whatever the number of rows (no N+1),
and the count stops at a cap instead of scanning the whole table."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import insert

from extensions import db
from models.audit import AuditEntry
from models.types import utcnow
from tests.querycount import count_queries, page_queries
from workflow.users import create_user

PASSWORD = "a long enough password"


def _add_users(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        create_user(f"staff{i}@example.org", f"موظف {i}", "officer", PASSWORD)


def _add_audit_rows(n: int, user_id: int) -> None:
    db.session.execute(insert(AuditEntry), [
        dict(at=utcnow(), user_id=user_id, actor="admin@example.org", action="update", table_name="beneficiary",
             record_id=str(i), changes={"city": ["سكاكا", "تبوك"]}, note="") for i in range(n)])
    db.session.commit()


@pytest.mark.parametrize("url", ["/admin/user/", "/admin/user/?search=staff", "/admin/user/?flt0_0=officer"])
def test_users_list_query_count_does_not_grow_with_rows(app, client, login_as, url):
    login_as("admin")
    _add_users(2)
    few = page_queries(client, url)
    _add_users(58, start=2)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)


@pytest.mark.parametrize("url", ["/admin/auditentry/", "/admin/auditentry/?page=1",
                                 "/admin/auditentry/?search=beneficiary"])
def test_audit_list_query_count_does_not_grow_with_rows(app, client, login_as, users, url):
    login_as("admin")
    _add_audit_rows(5, users["officer"].id)
    few = page_queries(client, url)
    _add_audit_rows(55, users["officer"].id)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)
    assert many.count <= 12, many  # a handful: session, user, count, rows


def test_query_counter_counts_statements(app):
    with count_queries() as log:
        db.session.execute(db.select(AuditEntry.id)).all()
        db.session.execute(db.select(AuditEntry.id).limit(1)).all()
    assert log.count == 2


def test_list_count_stops_at_the_cap_and_the_pager_still_goes_on(app, client, login_as, users):
    app.config["LIST_COUNT_CAP"] = 10
    login_as("admin")
    _add_audit_rows(400, users["officer"].id)  # 20 a page
    html = client.get("/admin/auditentry/").get_data(as_text=True)
    # The count looks 10 pages ahead of the page shown (220 rows), rounded up to the cap step.
    assert "(220+)" in html
    assert 'href="/admin/auditentry/?page=1' in html  # next pages are offered
    html = client.get("/admin/auditentry/?page=1").get_data(as_text=True)
    assert "(240+)" in html
    total = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    assert 401 < total < 425  # with the users' creation and the sign-in
    last = (total - 1) // 20
    html = client.get(f"/admin/auditentry/?page={last}").get_data(as_text=True)
    assert f"({total})" in html  # near the end the count is exact again
    assert html.count('class="list-buttons-column"') == total - last * 20  # the last page


def test_exact_count_when_the_cap_is_off(app, client, login_as, users):
    app.config["LIST_COUNT_CAP"] = 0
    login_as("admin")
    _add_audit_rows(30, users["officer"].id)
    total = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    assert f"({total})" in client.get("/admin/auditentry/").get_data(as_text=True)


def test_csv_export_streams_every_row_with_a_constant_number_of_queries(app, client, login_as, users):
    login_as("admin")
    _add_audit_rows(30, users["officer"].id)
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    with count_queries() as few:
        small = client.get("/admin/auditentry/export/csv/").get_data(as_text=True)
    _add_audit_rows(300, users["officer"].id)
    with count_queries() as many:
        big = client.get("/admin/auditentry/export/csv/").get_data(as_text=True)
    assert small.startswith("\ufeff")
    assert small.count("\r\n") == 1 + before  # the header and every row
    assert big.count("\r\n") == 1 + before + 300
    assert many.count == few.count, (few, many)


# -- the key screens of issue 7: beneficiaries, requests, committee sessions, dashboard ------------
from datetime import timedelta  # noqa: E402

from models.application import ApplicationEvent  # noqa: E402
from models.beneficiary import Communication, HouseholdMember  # noqa: E402
from tests import factories as f  # noqa: E402


def _beneficiaries(n: int) -> list:
    rows = [f.beneficiary() for _ in range(n)]
    db.session.commit()
    return rows


def _requests(n: int, st=None) -> list:
    st = st or f.service_type()
    rows = [f.application(st=st) for _ in range(n)]
    db.session.commit()
    return rows


def _grow_timeline(b, user, n: int) -> None:
    """n more of everything a beneficiary's page shows: requests (with events), contacts,
    documents, household members, declarations."""
    st = f.service_type(name="إيجار")
    dt = f.document_type()
    for i in range(n):
        application = f.application(b=b, st=st)
        db.session.add(ApplicationEvent(application=application, at=utcnow(), user_id=user.id, action="note",
                                        from_status="received", to_status="received", note=f"ملاحظة {i}"))
        db.session.add(Communication(beneficiary=b, application_id=application.id, channel=f.channel(),
                                     direction="incoming", subject=f"اتصال {i}", summary="", staff_id=user.id,
                                     at=utcnow()))
        f.document(b, dt, expiry=utcnow().date() + timedelta(days=30 + i))
        db.session.add(HouseholdMember(beneficiary=b, name=f"فرد {i}", relation="son"))
        f.sign(b) if i == 0 else db.session.add(
            f.Declaration(beneficiary=b, text=f.declaration_text(), method="in_person"))
    db.session.commit()


def test_beneficiary_list_same_queries_for_5_and_40_rows(app, client, login_as):
    login_as("admin")
    url = "/admin/beneficiary/?page_size=50"
    _beneficiaries(5)
    few = page_queries(client, url)
    _beneficiaries(35)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)
    assert many.count <= 12, many


@pytest.mark.parametrize("query", ["محمد", "1000"])
def test_beneficiary_search_same_queries_for_few_and_many_matches(app, client, login_as, query):
    login_as("admin")
    url = f"/admin/beneficiary/?page_size=50&search={query}"
    _beneficiaries(5)
    few = page_queries(client, url)
    _beneficiaries(35)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)


def test_beneficiary_details_queries_do_not_grow_with_the_timeline(app, client, login_as, users):
    login_as("admin")
    b = f.beneficiary()
    _grow_timeline(b, users["officer"], 1)
    url = f"/admin/beneficiary/details/?id={b.id}"
    short = page_queries(client, url)
    _grow_timeline(b, users["officer"], 8)
    long = page_queries(client, url)
    assert long.count == short.count, (short, long)


def test_request_list_same_queries_for_5_and_40_rows(app, client, login_as):
    login_as("admin")
    url = "/admin/application/?page_size=50"
    st = f.service_type()
    _requests(5, st)
    few = page_queries(client, url)
    _requests(35, st)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)
    assert many.count <= 10, many


def test_request_list_filtered_by_city_and_status_same_queries(app, client, login_as):
    from bench.run import filter_params

    login_as("admin")
    params = filter_params(app, "application", [("city", "equal", "سكاكا"), ("status", "equal", "received")])
    url = "/admin/application/?page_size=50&" + "&".join(f"{k}={v}" for k, v in params.items())
    st = f.service_type()
    _requests(5, st)
    few = page_queries(client, url)
    _requests(35, st)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)
    assert "سكاكا" in client.get(url).get_data(as_text=True)


def test_request_details_queries_do_not_grow_with_events_and_contacts(app, client, login_as, users):
    login_as("admin")
    application = _requests(1)[0]
    url = f"/admin/application/details/?id={application.id}"
    short = page_queries(client, url)
    for i in range(10):
        db.session.add(ApplicationEvent(application_id=application.id, at=utcnow(), user_id=users["officer"].id,
                                        action="note", from_status="received", to_status="received",
                                        note=f"ملاحظة {i}"))
        db.session.add(Communication(beneficiary_id=application.beneficiary_id, application_id=application.id,
                                     channel=f.channel(), direction="outgoing", subject=f"رسالة {i}", summary="",
                                     staff_id=users["specialist"].id if i % 2 else users["officer"].id,
                                     at=utcnow()))
    db.session.commit()
    long = page_queries(client, url)
    assert long.count == short.count, (short, long)


@pytest.mark.parametrize("role", ["admin", "committee"])
def test_committee_session_queries_same_for_3_and_12_agenda_items(app, client, login_as, users, role):
    login_as(role)
    member = users["committee"]
    st = f.service_type()
    small = f.session([member], present=[member], agenda=_requests(3, st))
    # Each agenda item of its own beneficiary and service type: nothing is shared between rows.
    big = f.session([member], present=[member],
                    agenda=[f.application(st=f.service_type(name=f"خدمة {i}")) for i in range(12)])
    db.session.commit()
    few = page_queries(client, f"/admin/committeesession/details/?id={small.id}")
    many = page_queries(client, f"/admin/committeesession/details/?id={big.id}")
    assert many.count == few.count, (few, many)


@pytest.mark.parametrize("role", ["admin", "officer", "viewer", "committee"])
def test_dashboard_queries_do_not_grow_with_requests(app, client, login_as, users, role):
    login_as(role)
    _requests(3)
    few = page_queries(client, "/admin/")
    for application in _requests(30):
        application.created_by_id = users["officer"].id
    db.session.commit()
    many = page_queries(client, "/admin/")
    assert many.count == few.count, (few, many)


def test_deep_pages_show_the_same_rows_with_the_same_queries(app, client, login_as, users):
    """Page N read by keys first (get_list, from deep_page_offset) shows exactly what OFFSET shows."""
    from flask import current_app

    from models.audit import AuditEntry

    db.session.add_all([AuditEntry(actor=f"person{i}@example.org", action="view", table_name="beneficiary",
                                   record_id=str(i)) for i in range(80)])
    db.session.commit()
    view = next(v for v in current_app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "auditentry")
    client = login_as("admin")
    pages = {}
    for deep in (10**9, 10):  # OFFSET as usual, then keys first from 10 rows skipped
        view.deep_page_offset = deep
        try:
            html = client.get("/admin/auditentry/?page=2").get_data(as_text=True)
            pages[deep] = (re.findall(r"person\d+@example.org", html),
                           page_queries(client, "/admin/auditentry/?page=2").count)
        finally:
            view.deep_page_offset = 2_000
    assert pages[10][0] == pages[10**9][0] and len(pages[10][0]) >= 20
    assert pages[10][1] == pages[10**9][1]
