"""List pages send the same number of queries whatever the number of rows (no N+1),
and the count stops at a cap instead of scanning the whole table."""
from __future__ import annotations

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
    _add_audit_rows(400, users["officer"].id)  # 25 a page
    html = client.get("/admin/auditentry/").get_data(as_text=True)
    # The count looks 10 pages ahead of the page shown (275 rows), rounded up to the cap step.
    assert "(280+)" in html
    assert 'href="/admin/auditentry/?page=1' in html  # next pages are offered
    html = client.get("/admin/auditentry/?page=1").get_data(as_text=True)
    assert "(300+)" in html
    html = client.get("/admin/auditentry/?page=16").get_data(as_text=True)
    total = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    assert 401 < total < 425  # with the users' creation and the sign-in
    assert f"({total})" in html  # near the end the count is exact again
    assert html.count('class="list-buttons-column"') == total - 16 * 25  # the last page


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
