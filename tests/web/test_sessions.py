"""Finding 1 of issue 11: a copied session or remember-me cookie opens nothing once the session
has ended (logout, password change or reset, deactivation, "sign out everywhere"), and both the
idle and the absolute limits are enforced on the server."""
from datetime import timedelta

import pytest

from extensions import db
from models.audit import AuditEntry
from models.types import utcnow
from models.user import User, UserSession
from tests.conftest import PASSWORD, csrf_token, login

HOME = "/admin/"


def _cookies(client) -> dict:
    names = ("session", "remember_token")
    return {n: c.value for n in names if (c := client.get_cookie(n)) is not None}


def _thief(app, cookies: dict, only: str | None = None):
    """Another browser holding a copy of the victim's cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            other.set_cookie(name, value)
    return other


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client.get(HOME).get_data(as_text=True))})


def test_a_copied_session_cookie_works_until_logout_then_never(app, client, users):
    login(client, users["officer"].email)
    copied = _cookies(client)
    assert _thief(app, copied).get(HOME).status_code == 200  # the copy is live while the session is
    _logout(client)
    assert _signed_out(_thief(app, copied).get(HOME))
    assert _signed_out(client.get(HOME))


def test_logout_clears_the_remember_cookie_and_a_copy_of_it_is_refused(app, client, users):
    login(client, users["officer"].email, remember=True)
    copied = _cookies(client)
    assert "remember_token" in copied
    # The remember cookie alone (browser closed, session cookie gone) signs in...
    assert _thief(app, copied, only="remember_token").get(HOME).status_code == 200
    response = _logout(client)
    cleared = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]
    # ...but not once the person signed out.
    assert _signed_out(_thief(app, copied, only="remember_token").get(HOME))


def test_remember_me_is_off_by_default_and_lasts_at_most_14_days(app, client, users):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="remember"' in html and "checked" not in html.split('name="remember"')[1].split(">")[0]
    response = login(client, users["officer"].email, remember=True)
    remember = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    from email.utils import parsedate_to_datetime

    expires = parsedate_to_datetime(remember.split("Expires=")[1].split(";")[0])
    assert expires - utcnow() <= timedelta(days=14, minutes=1)
    assert "HttpOnly" in remember


def test_own_password_change_ends_every_other_copy(app, client, users):
    login(client, users["officer"].email, remember=True)
    copied = _cookies(client)
    page = client.get("/admin/account/").get_data(as_text=True)
    response = client.post("/admin/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": "violet tractor summer lantern",
        "pw-confirm": "violet tractor summer lantern", "pw-csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200  # the person who changed it carries on
    assert _signed_out(_thief(app, copied).get(HOME))
    assert _signed_out(_thief(app, copied, only="remember_token").get(HOME))


def test_admin_password_reset_and_deactivation_end_the_users_sessions(app, client, users):
    victim = app.test_client()
    login(victim, users["officer"].email, remember=True)
    copied = _cookies(victim)
    login(client, users["admin"].email)
    url = f"/admin/user/edit/?id={users['officer'].id}"
    form = client.get(url).get_data(as_text=True)
    response = client.post(url, data={
        "full_name": "مستخدم officer", "email": "officer@example.org", "role": "officer", "active": "y",
        "new_password": "amber koala window tuesday", "csrf_token": csrf_token(form)})
    assert response.status_code == 302
    assert _signed_out(_thief(app, copied).get(HOME))
    assert _signed_out(_thief(app, copied, only="remember_token").get(HOME))

    login(victim, users["officer"].email, "amber koala window tuesday")
    copied = _cookies(victim)
    form = client.get(url).get_data(as_text=True)
    client.post(url, data={"full_name": "مستخدم officer", "email": "officer@example.org", "role": "officer",
                           "new_password": "", "csrf_token": csrf_token(form)})  # "active" unticked
    db.session.expire_all()
    assert db.session.get(User, users["officer"].id).active is False
    assert _signed_out(_thief(app, copied).get(HOME))
    reasons = db.session.scalars(db.select(AuditEntry.note).where(AuditEntry.action == "revoke_sessions")).all()
    assert reasons == ["password_reset", "deactivated"]


def test_cli_password_reset_ends_the_sessions(app, client, users):
    login(client, users["officer"].email, remember=True)
    copied = _cookies(client)
    result = app.test_cli_runner().invoke(args=["users", "set-password", "--email", "officer@example.org",
                                                "--password", "marble heron cactus plenty"])
    assert result.exit_code == 0, result.output
    assert _signed_out(_thief(app, copied, only="remember_token").get(HOME))
    assert _signed_out(client.get(HOME))


def test_sign_out_everywhere_from_ones_own_page(app, client, users):
    phone = app.test_client()
    login(phone, users["viewer"].email, remember=True)
    login(client, users["viewer"].email)
    page = client.get("/admin/account/").get_data(as_text=True)
    assert 'id="sign-out-everywhere"' in page
    response = client.post("/admin/account/sign-out-everywhere", data={"csrf_token": csrf_token(page)})
    assert _signed_out(response)
    assert _signed_out(phone.get(HOME)) and _signed_out(client.get(HOME))
    assert db.session.scalar(db.select(db.func.count(UserSession.id)).where(UserSession.ended_at.is_(None))) == 0


def test_an_admin_signs_a_user_out_everywhere(app, client, users):
    victim = app.test_client()
    login(victim, users["committee"].email, remember=True)
    login(client, users["admin"].email)
    token = csrf_token(client.get("/admin/user/").get_data(as_text=True))
    client.post("/admin/user/action/", data={"action": "sign_out_everywhere", "rowid": [str(users["committee"].id)],
                                             "csrf_token": token})
    assert _signed_out(victim.get(HOME))
    assert client.get(HOME).status_code == 200  # the admin's own session is untouched
    row = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "revoke_sessions"))
    assert row.record_id == str(users["committee"].id) and row.actor == "admin@example.org"


def test_the_users_own_record_has_the_button(app, client, users):
    victim = app.test_client()
    login(victim, users["specialist"].email)
    login(client, users["admin"].email)
    url = f"/admin/user/details/?id={users['specialist'].id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="user-sign_out_everywhere"' in page
    assert 'id="user-reset_mfa"' not in page  # no factor to reset
    response = client.post("/admin/user/action/", data={
        "action": "sign_out_everywhere", "rowid": str(users["specialist"].id), "url": url,
        "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert _signed_out(victim.get(HOME))


def test_the_user_action_is_for_admins_only(app, client, users):
    login(client, users["officer"].email)
    token = csrf_token(client.get(HOME).get_data(as_text=True))
    response = client.post("/admin/user/action/", data={"action": "sign_out_everywhere",
                                                         "rowid": [str(users["viewer"].id)], "csrf_token": token})
    assert response.status_code == 403


def _age(**changes):
    db.session.execute(db.update(UserSession).values(**changes))
    db.session.commit()


def test_idle_sessions_end_after_the_idle_limit(app, client, users):
    login(client, users["officer"].email)
    _age(last_seen_at=utcnow() - timedelta(minutes=59))
    assert client.get(HOME).status_code == 200
    _age(last_seen_at=utcnow() - timedelta(minutes=61))
    response = client.get(HOME)
    assert _signed_out(response)
    assert db.session.scalar(db.select(UserSession.end_reason)) == "idle"
    # Coming back after the limit does not revive it.
    _age(last_seen_at=utcnow())
    assert _signed_out(client.get(HOME))


def test_sessions_end_at_the_absolute_limit_however_busy(app, client, users):
    login(client, users["officer"].email)
    _age(created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert _signed_out(client.get(HOME))
    assert db.session.scalar(db.select(UserSession.end_reason)) == "expired"


def test_a_remembered_browser_ends_after_14_days(app, client, users):
    login(client, users["officer"].email, remember=True)
    copied = _cookies(client)
    _age(created_at=utcnow() - timedelta(days=13), last_seen_at=utcnow() - timedelta(days=2))
    assert _thief(app, copied, only="remember_token").get(HOME).status_code == 200
    _age(created_at=utcnow() - timedelta(days=14, minutes=1))
    assert _signed_out(_thief(app, copied, only="remember_token").get(HOME))


@pytest.mark.parametrize("setting", ["SESSION_IDLE_MINUTES", "SESSION_HOURS"])
def test_limits_come_from_the_environment(monkeypatch, tmp_path, setting):
    import config

    monkeypatch.setenv(setting, "7")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("REMEMBER_DAYS", "90")
    values = config.from_environment(str(tmp_path))
    assert values[setting] == 7
    assert values["SESSION_COOKIE_SECURE"] and values["REMEMBER_COOKIE_SECURE"]
    assert values["REMEMBER_DAYS"] == 14 and values["REMEMBER_COOKIE_DURATION"] == 14 * 86400


def test_an_old_style_cookie_with_a_bare_user_id_is_refused(app, client, users):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(users["admin"].id)
        sess["_fresh"] = True
    assert _signed_out(client.get(HOME))


def test_the_session_cookie_is_written_when_it_changes_not_on_every_page(app, client, users):
    """Its lifetime is the server-side limit (SESSION_HOURS); re-signing it on every page would
    extend nothing the server does not end itself."""
    response = client.post("/login", data={"email": users["officer"].email, "password": PASSWORD,
                                           "csrf_token": csrf_token(client.get("/login").get_data(as_text=True))})
    assert any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))
    assert app.permanent_session_lifetime == timedelta(hours=app.config["SESSION_HOURS"])
    client.get(HOME)
    again = client.get(HOME)
    assert again.status_code == 200
    assert not any(h.startswith("session=") for h in again.headers.getlist("Set-Cookie"))
    switched = client.get(HOME + "?lang=en")  # the language is kept in the session: written again
    assert any(h.startswith("session=") for h in switched.headers.getlist("Set-Cookie"))
