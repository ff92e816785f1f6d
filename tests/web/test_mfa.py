"""Finding 3 of issue 11: a second factor (TOTP, RFC 6238), required for admins."""
import re
import time

import pyotp
import pytest

from extensions import db
from models.audit import AuditEntry
from models.user import RecoveryCode, User
from tests.conftest import PASSWORD, TOTP_SECRET, csrf_token, forget_last_code, login
from workflow.users import create_user

HOME = "/admin/"


def _password_step(client, email, password=PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})


def _code_step(client, code):
    page = client.get("/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": csrf_token(page.get_data(as_text=True))})


def _enrol(client):
    """Go through the enrolment page as a person with an authenticator app would."""
    html = client.get("/admin/account/mfa").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn here (no outside service)
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', html).group(1)
    response = client.post("/admin/account/mfa", data={"code": pyotp.TOTP(secret).now(),
                                                       "csrf_token": csrf_token(html)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_an_admin_without_a_second_factor_must_enrol_before_any_admin_screen(app, client, users):
    create_user("second-admin@example.org", "مدير ثان", "admin", PASSWORD)
    login(client, "second-admin@example.org")
    for url in (HOME, "/admin/user/", "/admin/beneficiary/", "/admin/account/", "/admin/auditentry/"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin/account/mfa"), url
    html = client.get("/admin/account/mfa").get_data(as_text=True)
    assert 'id="mfa-forced"' in html
    secret, codes = _enrol(client)
    assert client.get("/admin/user/").status_code == 200
    user = db.session.scalar(db.select(User).where(User.email == "second-admin@example.org"))
    assert user.has_mfa and user.totp_secret == secret
    # The recovery codes are stored hashed, never as shown.
    stored = db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "mfa_enrol",
                                                         AuditEntry.record_id == str(user.id)))


def test_a_wrong_enrolment_code_is_refused_with_a_message(app, client, users):
    create_user("second-admin@example.org", "مدير ثان", "admin", PASSWORD)
    login(client, "second-admin@example.org")
    html = client.get("/admin/account/mfa").get_data(as_text=True)
    response = client.post("/admin/account/mfa", data={"code": "000000", "csrf_token": csrf_token(html)})
    assert "الرمز غير صحيح" in response.get_data(as_text=True)
    assert client.get(HOME).status_code == 302


def test_other_roles_may_enrol_and_are_then_asked_for_a_code(app, client, users):
    login(client, users["officer"].email)
    assert client.get(HOME).status_code == 200  # not required for officers (MFA_REQUIRED_ROLES=admin)
    secret, _ = _enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client.get(HOME).get_data(as_text=True))})
    response = _password_step(client, users["officer"].email)
    assert response.headers["Location"].endswith("/login/code")


def test_sign_in_needs_the_code_after_the_password(app, client, users):
    response = _password_step(client, users["admin"].email)
    assert response.headers["Location"].endswith("/login/code")
    # The password alone opens nothing.
    assert client.get(HOME).status_code == 302
    response = _code_step(client, "123456")
    assert response.status_code == 200
    assert "الرمز غير صحيح" in response.get_data(as_text=True)
    assert client.get(HOME).status_code == 302
    forget_last_code(client, users["admin"].email)
    response = _code_step(client, pyotp.TOTP(TOTP_SECRET).now())
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    assert client.get(HOME).status_code == 200
    failed = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "login_failed"))
    assert failed.note == "second factor"
    assert db.session.scalar(db.select(AuditEntry.note).where(AuditEntry.action == "login")) == "totp"


def test_the_code_page_is_useless_without_the_password(app, client, users):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_used_code_cannot_be_replayed(app, client, users):
    code = pyotp.TOTP(TOTP_SECRET).now()
    forget_last_code(client, users["admin"].email)
    _password_step(client, users["admin"].email)
    assert _code_step(client, code).status_code == 302
    thief = app.test_client()
    _password_step(thief, users["admin"].email)  # a stolen password, and the code seen on screen
    response = _code_step(thief, code)
    assert response.status_code == 200 and thief.get(HOME).status_code == 302


def test_the_previous_windows_code_is_refused_once_a_newer_one_was_used(app, users):
    from workflow.mfa import check_code

    totp = pyotp.TOTP(TOTP_SECRET)
    step = int(time.time()) // 30
    assert check_code(TOTP_SECRET, totp.now()) is not None
    assert check_code(TOTP_SECRET, totp.at((step - 1) * 30), last_step=step) is None
    assert check_code(TOTP_SECRET, totp.at((step - 5) * 30)) is None  # too old


def test_a_recovery_code_works_once(app, client, users):
    login(client, users["officer"].email)
    _, codes = _enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client.get(HOME).get_data(as_text=True))})
    _password_step(client, users["officer"].email)
    assert _code_step(client, codes[3].upper()).status_code == 302
    assert client.get(HOME).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client.get(HOME).get_data(as_text=True))})
    _password_step(client, users["officer"].email)
    assert _code_step(client, codes[3]).status_code == 200
    assert client.get(HOME).status_code == 302
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "mfa_recovery"))


def test_wrong_codes_are_rate_limited(app, client, users):
    _password_step(client, users["admin"].email)
    for _ in range(5):
        assert _code_step(client, "000000").status_code == 200
    response = _code_step(client, pyotp.TOTP(TOTP_SECRET).now())
    assert response.status_code == 429
    assert client.get(HOME).status_code == 302


def test_wrong_codes_are_limited_per_account_whatever_the_address(app, users):
    for i in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        _password_step(client, users["admin"].email)
        assert _code_step(client, "000000").status_code == 200
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    _password_step(client, users["admin"].email)
    assert _code_step(client, "000000").status_code == 429


def test_an_admin_resets_another_users_factor(app, client, users):
    officer_client = app.test_client()
    login(officer_client, users["officer"].email)
    _enrol(officer_client)
    login(client, users["admin"].email)
    token = csrf_token(client.get("/admin/user/").get_data(as_text=True))
    client.post("/admin/user/action/", data={"action": "reset_mfa", "rowid": [str(users["officer"].id)],
                                             "csrf_token": token})
    db.session.expire_all()
    officer = db.session.get(User, users["officer"].id)
    assert not officer.has_mfa
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
    assert officer_client.get(HOME).status_code == 302  # their sessions ended with it
    row = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "mfa_reset"))
    assert row.record_id == str(officer.id) and row.actor == "admin@example.org"


def test_cli_reset_mfa(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-mfa", "--email", "admin@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not db.session.get(User, users["admin"].id).has_mfa
    assert db.session.scalar(db.select(AuditEntry.actor).where(AuditEntry.action == "mfa_reset")) == "cli"
    result = runner.invoke(args=["users", "reset-mfa", "--email", "nobody@example.org"])
    assert result.exit_code != 0


def test_the_secret_never_reaches_the_users_screen_or_audit(app, client, users):
    login(client, users["admin"].email)
    details = client.get(f"/admin/user/details/?id={users['admin'].id}").get_data(as_text=True)
    export = client.get("/admin/user/export/csv/").get_data(as_text=True)
    assert TOTP_SECRET not in details and TOTP_SECRET not in export
    changes = db.session.scalars(db.select(AuditEntry.changes)).all()
    assert TOTP_SECRET not in str(changes)


@pytest.mark.parametrize("roles,forced", [("admin,officer", True), ("", False)])
def test_required_roles_are_configurable(app, client, users, roles, forced):
    app.config["MFA_REQUIRED_ROLES"] = roles
    login(client, users["officer"].email)
    response = client.get(HOME)
    assert (response.status_code == 302) is forced


def test_the_first_admin_made_by_bootstrap_enrols_at_first_sign_in(app, client, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "boss@example.org")
    monkeypatch.setenv("ADMIN_PASSWORD", "violet tractor summer lantern")
    result = app.test_cli_runner().invoke(args=["users", "bootstrap"])
    assert result.exit_code == 0, result.output
    response = login(client, "boss@example.org", "violet tractor summer lantern")
    assert response.status_code == 302  # no code asked: there is no factor yet
    response = client.get(HOME)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/account/mfa")
    _enrol(client)
    assert client.get(HOME).status_code == 200


def test_bootstrap_refuses_a_common_password(app, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "boss@example.org")
    monkeypatch.setenv("ADMIN_PASSWORD", "password123")
    result = app.test_cli_runner().invoke(args=["users", "bootstrap"])
    assert result.exit_code != 0
    assert db.session.scalar(db.select(User)) is None
