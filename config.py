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
        # SQLite file databases run in WAL mode (readers never wait for the writer, e.g. the outbox
        # worker beside the web server). NORMAL: a commit does not wait for the disk; a power cut
        # may lose the last commits but never corrupts the file (SQLite's advice for WAL; Rails'
        # default). FULL waits for the disk on every commit.
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").strip().upper(),
        "BABEL_DEFAULT_LOCALE": "ar",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Riyadh"),
        "LANGUAGES": ["ar", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # Server-side limits of a signed-in session (workflow/sessions.py): absolute and idle.
        "SESSION_HOURS": int(os.environ.get("SESSION_HOURS", "12")),
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "60")),
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_HOURS", "12")) * 3600,
        # The cookie is written when the session changes (sign-in, language, a search), not re-signed
        # on every page: it lasts SESSION_HOURS, the server-side limit, and the idle limit is the server's.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # "Remember me" keeps a browser signed in this many days at most (capped at 14; 0 hides it).
        "REMEMBER_DAYS": min(int(os.environ.get("REMEMBER_DAYS", "14")), 14),
        "REMEMBER_COOKIE_DURATION": min(int(os.environ.get("REMEMBER_DAYS", "14")), 14) * 86400,
        # Roles that must have a second factor (TOTP) before reaching any admin screen.
        "MFA_REQUIRED_ROLES": os.environ.get("MFA_REQUIRED_ROLES", "admin"),
        # Wrong sign-in codes, per IP address (a 6-digit code must not be guessable by brute force).
        "MFA_RATE_LIMIT": os.environ.get("MFA_RATE_LIMIT", "5 per minute;20 per hour"),
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        "WTF_I18N_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Always explicit: Flask-Limiter otherwise keeps the last app's setting for the next one
        # in the same process (the benchmark turns limits off for its own app).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        # If the shared store (Redis) is unreachable, each process keeps counting in memory meanwhile
        # (still limited, never a 500); /readyz reports the outage.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
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
        # Where files are kept: '' = UPLOAD_FOLDER on this server; s3://bucket/prefix = an S3-compatible
        # bucket shared by several servers (credentials/region/endpoint from the usual AWS_* variables).
        "STORAGE_URL": os.environ.get("STORAGE_URL", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_ADDRESSING_STYLE": os.environ.get("S3_ADDRESSING_STYLE", ""),
        "STORAGE_SSE": os.environ.get("STORAGE_SSE", "AES256"),
        "STORAGE_SSE_KMS_KEY_ID": os.environ.get("STORAGE_SSE_KMS_KEY_ID", ""),
        # 0: downloads stream through the app; N > 0: after the access check, a signed URL valid N seconds.
        "STORAGE_PRESIGN_SECONDS": int(os.environ.get("STORAGE_PRESIGN_SECONDS", "0")),
        # "json": one JSON object per log line (for log collectors), no personal data; default plain text.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
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
        # Messages through the outbox (workflow/messaging; README, Messages). Credentials only from here.
        **{name: os.environ.get(name, "") for name in (
            "SMS_SENDER", "SMS_WEBHOOK_URL", "SMS_WEBHOOK_SECRET", "UNIFONIC_APP_SID", "UNIFONIC_URL",
            "TAQNYAT_TOKEN", "TAQNYAT_URL", "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_API_URL",
            "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "MESSAGING_CALLBACK_SECRET", "PDF_RENDERER")},
        "MESSAGING_QUIET_HOURS": os.environ.get("MESSAGING_QUIET_HOURS", "22:00-08:00"),
        "MESSAGING_RATE_PER_MINUTE": int(os.environ.get("MESSAGING_RATE_PER_MINUTE", "60")),
        "MESSAGING_MAX_ATTEMPTS": int(os.environ.get("MESSAGING_MAX_ATTEMPTS", "5")),
        "MESSAGING_RETRY_BASE_SECONDS": int(os.environ.get("MESSAGING_RETRY_BASE_SECONDS", "60")),
        "MESSAGING_RETRY_MAX_SECONDS": int(os.environ.get("MESSAGING_RETRY_MAX_SECONDS", "3600")),
        "MESSAGING_HTTP_TIMEOUT": float(os.environ.get("MESSAGING_HTTP_TIMEOUT", "10")),
    }
