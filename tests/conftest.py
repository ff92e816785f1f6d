"""Fixtures shared by every test: an app on a migrated database, users per role.

The database is SQLite in a temporary folder, or PostgreSQL when
TEST_DATABASE_URL is set. It is migrated once per run (so the migrations are
tested too) and emptied between tests.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from extensions import db
from workflow.roles import Role

PASSWORD = "correct horse battery"
# The admin fixture's authenticator secret (admins must have a second factor: MFA_REQUIRED_ROLES).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# The multi-server tests start real servers; they run only when asked for (make test-cluster).
collect_ignore = [] if os.environ.get("CLUSTER_DATABASE_URL") else ["cluster"]


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app(_config(url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    return url


def _config(url: str, upload_dir) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(upload_dir),
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and DB session),
    as in production, even though the test itself holds one open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(_config(database_url, tmp_path / "uploads"))
    app.test_client_class = FreshContextClient
    from workflow.audit import set_cli_actor

    set_cli_actor("system")  # a CLI test earlier in this process may have named another actor
    with app.app_context():
        _empty_tables()
        # Rate-limit counters live in the process (memory://): a window opened by an earlier
        # test must not run out, or fill up, in the middle of this one.
        from extensions import limiter

        limiter.reset()
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One active user per role, keyed by role name."""
    from workflow.users import create_user

    from models.types import utcnow

    made = {role.value: create_user(f"{role.value}@example.org", f"مستخدم {role.value}", role, PASSWORD)
            for role in Role}
    made["admin"].totp_secret = TOTP_SECRET
    made["admin"].totp_enrolled_at = utcnow()
    db.session.commit()
    return made


def totp_code(secret: str = TOTP_SECRET) -> str:
    import pyotp

    return pyotp.TOTP(secret).now()


def forget_last_code(client, email: str) -> None:
    """Tests sign in many times within one 30-second window; the app refuses a code twice
    (tests/web/test_mfa.py proves it), so the helper starts each sign-in as a new window would."""
    from models.user import User

    with client.application.app_context():
        db.session.execute(db.update(User).where(User.email == email).values(totp_last_step=None))
        db.session.commit()


def login(client, email: str, password: str = PASSWORD, follow: bool = False, remember: bool = False):
    """Sign in as a person would, answering the second-factor step when the account has one."""
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        forget_last_code(client, email)
        page = client.get("/login/code")
        response = client.post("/login/code", data={
            "code": totp_code(), "csrf_token": csrf_token(page.get_data(as_text=True))})
    if follow and response.status_code in (301, 302, 303):
        return client.get(response.headers["Location"], follow_redirects=True)
    return response


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def login_as(client, users):
    def _login(role: str):
        response = login(client, users[role].email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return _login
