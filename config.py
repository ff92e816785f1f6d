"""Configuration read from the environment, with safe defaults for a laptop."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: str) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in instance/.

    Keeping it on disk means sessions survive restarts without anyone choosing a key.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "beneficiaries.db")
    )
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    secure = _bool("SESSION_COOKIE_SECURE")
    return {
        "SECRET_KEY": _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # hide_parameters: names and ID numbers never appear in SQL error messages or logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "BABEL_DEFAULT_LOCALE": "ar",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Riyadh"),
        "LANGUAGES": ["ar", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_HOURS", "12")) * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        "WTF_I18N_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Always explicit: Flask-Limiter otherwise keeps the last app's setting for the next one
        # in the same process (the benchmark turns limits off for its own app).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;20 per hour"),
        # Public forms (volunteer, request, status, survey): sends per IP address, per form.
        "PUBLIC_RATE_LIMIT": os.environ.get("PUBLIC_RATE_LIMIT", "10 per minute;60 per hour"),
        # Seconds a person needs at least between opening a public form and sending it (bots are faster).
        "PUBLIC_MIN_FILL_SECONDS": int(os.environ.get("PUBLIC_MIN_FILL_SECONDS", "3")),
        # Address used in links sent to beneficiaries (e.g. https://example.org); empty: the request's host.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "LIST_COUNT_CAP": int(os.environ.get("LIST_COUNT_CAP", "10000")),
        "SURVEY_VALID_DAYS": int(os.environ.get("SURVEY_VALID_DAYS", "30")),
        # Roles kept to their own branch offices' records (e.g. "officer,specialist"); empty: none
        # (see workflow/branches.py). Staff with no branch work at head office and see every branch.
        "BRANCH_SCOPED_ROLES": os.environ.get("BRANCH_SCOPED_ROLES", ""),
        # Number of reverse proxies whose X-Forwarded-* headers are trusted (0 = none).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "FLASK_ADMIN_SWATCH": "default",
        # Notifications (see workflow/notify.py).
        "NOTIFIER_BACKEND": os.environ.get("NOTIFIER_BACKEND", "record"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "no-reply@localhost"),
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", ""),
    }
