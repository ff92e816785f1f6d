"""Findings 5, 6 and 8 of issue 11 (the public pages' no-store: tests/web/public/test_public_no_store.py): what the audit trail records about access, the warning about
per-process rate limits, and the headers that keep a person's request out of caches."""
import pytest

from extensions import db
from models.audit import AuditEntry
from models.volunteer import Volunteer
from tests.conftest import csrf_token, login
from workflow.audit import mask_email


def _rows(action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_failed_sign_ins_are_recorded_with_the_email_masked(app, client, users):
    login(client, "officer@example.org", "not the password")
    login(client, "ahmad.alharbi@charity.org", "not the password")
    rows = _rows("login_failed")
    assert [r.note for r in rows] == ["of***@example.org", "ah***@charity.org"]
    assert all(r.actor == "public" for r in rows)
    assert "ahmad" not in str([(r.note, r.record_id, r.changes) for r in rows])


def test_mask_email_keeps_little_of_what_was_typed():
    assert mask_email("  Ali@x.sa ") == "A***@x.sa"
    assert mask_email("my secret password") == "my***"  # a password typed in the wrong box
    assert mask_email("") == "***"


def test_sign_outs_are_recorded(app, client, users):
    login(client, users["viewer"].email)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/admin/").get_data(as_text=True))})
    row = _rows("logout")[0]
    assert row.actor == "viewer@example.org" and row.record_id == str(users["viewer"].id)


def test_every_refusal_is_recorded(app, client, users):
    login(client, users["viewer"].email)
    assert client.get("/admin/user/").status_code == 403
    assert client.get("/admin/retention/").status_code == 403
    rows = _rows("forbidden")
    assert [r.note for r in rows] == ["user.index_view", "retention.index"]
    assert all(r.actor == "viewer@example.org" for r in rows)


def test_views_of_a_volunteers_record_are_recorded(app, client, users):
    volunteer = Volunteer(full_name="متطوع", national_id="1000000081", phone="+966551138821", fields=[])
    db.session.add(volunteer)
    db.session.commit()
    login(client, users["officer"].email)
    assert client.get(f"/admin/volunteer/details/?id={volunteer.id}").status_code == 200
    assert client.get(f"/admin/volunteer/edit/?id={volunteer.id}").status_code == 200
    rows = _rows("view")
    assert [(r.table_name, r.record_id) for r in rows] == [("volunteer", str(volunteer.id))] * 2


def test_export_notes_never_carry_the_search_term(app, client, users):
    login(client, users["admin"].email)
    client.get("/admin/beneficiary/export/csv/?search=1000000008&flt0_3=الرياض")
    note = _rows("export")[0].note
    assert "1000000008" not in note and "الرياض" not in note
    assert note == "csv; search; filters: 1"


def test_hsts_is_sent_over_https_only(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    hsts = client.get("/login").headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 86400


def test_the_public_pages_carry_the_same_csp(app, client):
    for url in ("/", "/request", "/status", "/login"):
        csp = client.get(url).headers["Content-Security-Policy"]
        assert csp.startswith("default-src 'self'; script-src 'self' 'nonce-") and "unsafe" not in csp, url
    first = client.get("/").headers["Content-Security-Policy"]
    assert first != client.get("/").headers["Content-Security-Policy"]  # a new nonce each time


@pytest.mark.parametrize("environ,argv,workers", [
    ({}, ["gunicorn", "-w", "2", "app:create_app()"], 2),
    ({}, ["gunicorn", "--workers=3", "app:create_app()"], 3),
    ({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 -w 4"}, ["gunicorn"], 4),
    ({"WEB_CONCURRENCY": "2"}, ["gunicorn"], 2),
    ({}, ["flask", "run"], 1),
    ({}, ["gunicorn", "app:create_app()"], 1),
])
def test_worker_processes_are_detected(environ, argv, workers):
    from workflow.security import worker_processes

    assert worker_processes(environ, argv) == workers


def test_memory_rate_limits_with_several_workers_warn_in_the_log_and_on_the_home_page(app, client, users, caplog):
    from workflow.security import check_rate_limit_storage

    assert check_rate_limit_storage(app, {"WEB_CONCURRENCY": "2"}, ["gunicorn"]) is True
    assert "RATELIMIT_STORAGE_URI is memory:// with 2 worker processes" in caplog.text
    login(client, users["admin"].email)
    html = client.get("/admin/").get_data(as_text=True)
    assert 'id="rate-limit-warning"' in html and "Redis" in html
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    assert check_rate_limit_storage(app, {"WEB_CONCURRENCY": "2"}, ["gunicorn"]) is False
    assert 'id="rate-limit-warning"' not in client.get("/admin/").get_data(as_text=True)


def test_no_warning_with_a_single_process(app, client, users):
    from workflow.security import check_rate_limit_storage

    assert check_rate_limit_storage(app, {}, ["flask", "run"]) is False
    login(client, users["admin"].email)
    assert 'id="rate-limit-warning"' not in client.get("/admin/").get_data(as_text=True)
