"""Admins manage users and roles; nobody raises their own role; the CLI adds users."""
import re

from extensions import db
from models.user import User
from tests.conftest import csrf_token, login


def _form(client, url):
    return csrf_token(client.get(url).get_data(as_text=True))


def test_admin_creates_a_user_with_a_role(client, users):
    login(client, "admin@example.org")
    token = _form(client, "/admin/user/new/")
    response = client.post("/admin/user/new/", data={
        "full_name": "سارة الأحمد", "email": "Sara@Example.org", "role": "officer", "active": "y",
        "new_password": "a strong password", "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    user = db.session.scalar(db.select(User).where(User.email == "sara@example.org"))
    assert user is not None and user.role == "officer" and user.check_password("a strong password")


def test_short_password_is_refused_at_the_field_and_typed_data_kept(client, users):
    login(client, "admin@example.org")
    token = _form(client, "/admin/user/new/")
    html = client.post("/admin/user/new/", data={
        "full_name": "سارة الأحمد", "email": "sara@example.org", "role": "officer",
        "new_password": "short", "csrf_token": token}).get_data(as_text=True)
    assert "يجب ألا تقل كلمة المرور عن 10 أحرف" in html
    assert 'value="سارة الأحمد"' in html
    assert db.session.scalar(db.select(User).where(User.email == "sara@example.org")) is None


def test_admin_cannot_change_own_role_or_deactivate_self(client, users):
    admin = users["admin"]
    login(client, admin.email)
    url = f"/admin/user/edit/?id={admin.id}"
    token = _form(client, url)
    html = client.post(url, data={"full_name": admin.full_name, "email": admin.email, "role": "viewer",
                                  "active": "y", "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "لا يمكنك تغيير دورك بنفسك" in html
    html = client.post(url, data={"full_name": admin.full_name, "email": admin.email, "role": "admin",
                                  "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "لا يمكنك تعطيل حسابك بنفسك" in html
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin" and db.session.get(User, admin.id).active


def test_non_admin_cannot_reach_users_screen_even_by_post(client, users):
    officer = users["officer"]
    login(client, officer.email)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    response = client.post(f"/admin/user/edit/?id={officer.id}", data={
        "full_name": officer.full_name, "email": officer.email, "role": "admin", "active": "y", "csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, officer.id).role == "officer"


def test_role_changes_are_in_the_audit_trail(client, users):
    from models.audit import AuditEntry

    login(client, "admin@example.org")
    viewer = users["viewer"]
    url = f"/admin/user/edit/?id={viewer.id}"
    token = _form(client, url)
    client.post(url, data={"full_name": viewer.full_name, "email": viewer.email, "role": "officer",
                           "active": "y", "csrf_token": token})
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.table_name == "user", AuditEntry.action == "update", AuditEntry.record_id == str(viewer.id)))
    assert entry.actor == "admin@example.org"
    assert entry.changes["role"] == ["viewer", "officer"]
    assert "password_hash" not in (entry.changes or {})
    html = client.get("/admin/auditentry/").get_data(as_text=True)
    assert "viewer → officer" in html.replace("<bdi>", "").replace("</bdi>", "")  # each value in its own island
    # Nobody can edit or delete the trail from the panel.
    assert client.get(f"/admin/auditentry/edit/?id={entry.id}").status_code == 403
    token = _form(client, "/admin/auditentry/")
    assert client.post("/admin/auditentry/delete/", data={"id": entry.id, "csrf_token": token}).status_code == 403


def test_audit_search_by_person_record_type_or_number(client, users):
    from models.audit import AuditEntry

    db.session.add_all([
        AuditEntry(actor="officer@example.org", action="update", table_name="beneficiary", record_id="41"),
        AuditEntry(actor="specialist@example.org", action="view", table_name="application", record_id="7"),
    ])
    db.session.commit()
    login(client, "admin@example.org")

    def rows(text):
        html = client.get("/admin/auditentry/", query_string={"search": text}).get_data(as_text=True)
        return set(re.findall(r'<td class="col-actor">\s*(?:<bdi>)?(\S+?)(?:</bdi>)?\s*</td>', html))

    assert rows("Officer") == {"officer@example.org"}  # the start of the email, any case
    assert rows("specialist@example.org") == {"specialist@example.org"}
    assert rows("application") == {"specialist@example.org"}  # a record type
    assert rows("41") == {"officer@example.org"}  # a record number, exactly
    assert rows("410") == set() and rows("example.org") == set()  # not the middle of a value
    # Record types are shown by name, and found by name in either language.
    assert rows("المستفيد") == {"officer@example.org"} and rows("Request") == {"specialist@example.org"}
    html = client.get("/admin/auditentry/", query_string={"search": "41"}).get_data(as_text=True)
    assert re.search(r'<td class="col-table_name">\s*(?:<bdi>)?المستفيد(?:</bdi>)?\s*</td>', html)
    html = client.get("/admin/auditentry/").get_data(as_text=True)
    assert 'placeholder="البريد الإلكتروني للشخص، أو نوع السجل أو رقمه"' in html  # Arabic by default


def test_cli_creates_users_and_bootstraps_the_first_admin(app, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "bootstrap"])
    assert "shown only once" in result.output
    password = result.output.split("password:")[1].split()[0]
    admin = db.session.scalar(db.select(User).where(User.role == "admin"))
    assert admin.check_password(password) and len(password) >= 16
    # Second run: users exist, nothing printed, nothing created.
    again = runner.invoke(args=["users", "bootstrap"])
    assert again.output == "" and db.session.scalar(db.select(db.func.count(User.id))) == 1

    result = runner.invoke(args=["users", "create", "--email", "s@example.org", "--name", "أخصائية",
                                 "--role", "specialist", "--password", "another strong one"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User).where(User.email == "s@example.org")).role == "specialist"
    bad = runner.invoke(args=["users", "create", "--email", "t@example.org", "--name", "x",
                              "--role", "officer", "--password", "short"])
    assert bad.exit_code != 0


def test_bootstrap_uses_admin_email_and_password_from_environment(app, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "boss@example.org")
    monkeypatch.setenv("ADMIN_PASSWORD", "the chosen password")
    result = app.test_cli_runner().invoke(args=["users", "bootstrap"])
    assert "boss@example.org" in result.output and "the chosen password" not in result.output
    assert db.session.scalar(db.select(User).where(User.email == "boss@example.org")).check_password("the chosen password")


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    from config import _instance_secret

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = _instance_secret(str(tmp_path))
    assert len(first) > 40 and _instance_secret(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert _instance_secret(str(tmp_path)) == "from-env"
