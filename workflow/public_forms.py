"""Protection shared by the public forms: signed form tokens (idempotency nonce +
render time for the minimum fill time), the honeypot, and cleaning what the
public types before staff ever see it."""
from __future__ import annotations

import re
import secrets
import time

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from text.cleaning import clean_input
from workflow.identity import BIDI_CONTROLS

# Version of the privacy notice shown on the public forms (templates/public/_privacy.html).
# Raise it whenever the notice's wording changes: consent records keep the version seen.
PRIVACY_NOTICE_VERSION = "2026-1"

HONEYPOT_FIELD = "website_url"  # looks tempting to bots, hidden from people
TOKEN_FIELD = "form_token"

# Controls and invisible formatting characters (bidi overrides such as U+202E, zero-width
# joiners are kept: Arabic and Persian text needs ZWNJ/ZWJ).
_STRIP = {ord(c): None for c in BIDI_CONTROLS | {"\u200b", "\ufeff", "\u2028", "\u2029"}}


def notice_version() -> str:
    return current_app.config.get("PRIVACY_NOTICE_VERSION", PRIVACY_NOTICE_VERSION)


def clean_text(value: str | None, multiline: bool = False) -> str:
    """NFC, no bidi overrides or control characters, tidy whitespace.

    Right-to-left override characters can disguise text shown to staff
    ("‮gpj.exe"); they are removed before anything is stored.
    """
    if not value:
        return ""
    # The one rule for all input (text/cleaning.py), then what the public forms add: no
    # invisible characters at all, tidy whitespace.
    text = clean_input(str(value), multiline=True).translate(_STRIP)
    if multiline:
        lines = [" ".join(line.split()) for line in text.split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
        return text.strip()
    return " ".join(text.split())


def _serializer(kind: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"public-form:{kind}")


def issue_token(kind: str, nonce: str | None = None, issued_at: float | None = None) -> str:
    """A signed token for one rendered form: random nonce + render time."""
    nonce = nonce or secrets.token_urlsafe(24)
    issued = int(issued_at if issued_at is not None else time.time())
    return _serializer(kind).dumps({"n": nonce, "t": issued})


class FormCheck:
    OK = "ok"
    INVALID = "invalid"  # missing, forged, or for another form
    TOO_FAST = "too_fast"
    EXPIRED = "expired"
    BOT = "bot"  # honeypot filled


def read_token(kind: str, token: str | None) -> tuple[str, str | None]:
    """(FormCheck.*, nonce)."""
    if not token:
        return FormCheck.INVALID, None
    try:
        data = _serializer(kind).loads(token)
        nonce, issued = str(data["n"]), int(data["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return FormCheck.INVALID, None
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", nonce):
        return FormCheck.INVALID, None
    age = time.time() - issued
    if age < current_app.config.get("PUBLIC_MIN_FILL_SECONDS", 3):
        return FormCheck.TOO_FAST, nonce
    if age > current_app.config.get("PUBLIC_FORM_MAX_AGE_HOURS", 24) * 3600:
        return FormCheck.EXPIRED, nonce
    return FormCheck.OK, nonce


def check_submission(kind: str) -> tuple[str, str | None]:
    """Check the honeypot and the form token of the current POST."""
    if (request.form.get(HONEYPOT_FIELD) or "").strip():
        return FormCheck.BOT, None
    return read_token(kind, request.form.get(TOKEN_FIELD))


def client_ip() -> str:
    """The caller's address. X-Forwarded-For counts only behind TRUSTED_PROXIES (see app.py)."""
    return (request.remote_addr or "")[:45]
