"""Signing in and out, as a member of staff would."""
import pytest

from tests.conftest import csrf_token, login


def test_login_page_is_arabic_rtl_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "دخول الموظفين" in html


def test_admin_requires_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_home_page_shows_name_and_role(client, users):
    response = login(client, "officer@example.org", follow=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "مرحبًا، مستخدم officer" in html
    assert "موظف علاقات المستفيدين" in html


def test_wrong_password_and_unknown_user_get_the_same_message(client, users):
    wrong = login(client, "officer@example.org", "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.org", "not the password").get_data(as_text=True)
    message = "البريد الإلكتروني أو كلمة المرور غير صحيحة."
    assert message in wrong and message in unknown
    # Typed email is kept in the form.
    assert 'value="nobody@example.org"' in unknown


def test_inactive_user_cannot_sign_in(client, users, app):
    from extensions import db

    users["viewer"].active = False
    db.session.commit()
    response = login(client, "viewer@example.org")
    assert response.status_code == 200
    assert "غير صحيحة" in response.get_data(as_text=True)


def test_failed_logins_are_throttled(client, users):
    for _ in range(5):
        assert login(client, "officer@example.org", "wrong-password").status_code == 200
    response = login(client, "officer@example.org", "wrong-password")
    assert response.status_code == 429
    assert "محاولات كثيرة" in response.get_data(as_text=True)
    # Even the right password waits until the window passes.
    assert login(client, "officer@example.org").status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, users):
    for _ in range(7):
        assert login(client, "officer@example.org").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/admin/").get_data(as_text=True))})


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "javascript:alert(1)", "/\\evil.example",
    "http://localhost.evil.example/", " //evil.example",
])
def test_next_never_leaves_the_site(client, users, target):
    page = client.get("/login", query_string={"next": target})
    response = client.post("/login", query_string={"next": target}, data={
        "email": "officer@example.org", "password": "correct horse battery",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/admin/", "http://localhost/admin/")


def test_next_to_a_local_page_is_followed(client, users):
    page = client.get("/login?next=/admin/beneficiary/")
    response = client.post("/login?next=/admin/beneficiary/", data={
        "email": "officer@example.org", "password": "correct horse battery",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.headers["Location"].endswith("/admin/beneficiary/")


def test_login_without_csrf_token_is_refused(client, users):
    response = client.post("/login", data={"email": "officer@example.org", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "/admin/" not in response.headers.get("Location", "")


def test_session_is_renewed_at_login(client, users):
    client.get("/login?lang=en")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, "officer@example.org")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"  # the language choice survives


def test_logout_needs_post_with_csrf(client, users):
    login(client, "officer@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_session_cookie_flags(client, users):
    response = login(client, "officer@example.org")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_authenticated_pages_are_not_cached_and_carry_security_headers(client, users):
    login(client, "officer@example.org")
    response = client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-", 1)[1].split("'", 1)[0]
    assert csp == (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
                   "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                   "frame-ancestors 'none'")
    assert "unsafe" not in csp
    assert "Strict-Transport-Security" not in response.headers  # only over HTTPS (SESSION_COOKIE_SECURE=1)
