"""The second factor: TOTP (RFC 6238, pyotp) with one-time recovery codes.

A code is accepted once: the user keeps the last accepted time step, and a code from that
step or an earlier one is refused, so a code seen over someone's shoulder (or replayed from
a captured request) cannot be used again within its 30-second window.
"""
from __future__ import annotations

import secrets
import time

import pyotp
import segno
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.types import utcnow
from models.user import RecoveryCode, User
from workflow.audit import record_access
from workflow.sessions import end_all_sessions

ISSUER = "Beneficiary Relations"
RECOVERY_CODES = 10
# The code of the step before and after the current one is accepted (clock drift of a phone).
VALID_WINDOW = 1


def required_for(user: User) -> bool:
    """Whether the user's role must have a second factor (MFA_REQUIRED_ROLES, default "admin")."""
    roles = {r.strip() for r in str(current_app.config.get("MFA_REQUIRED_ROLES", "admin")).split(",") if r.strip()}
    return user.role in roles


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data: URI (allowed by the CSP's img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now) // totp.interval
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(secret: str, code: str, last_step: int | None = None) -> int | None:
    """The time step `code` belongs to, if valid and newer than `last_step`; else None."""
    step = _matching_step(secret, code)
    if step is None or (last_step is not None and step <= last_step):
        return None
    return step


def verify_totp(user: User, code: str) -> bool:
    """Check a sign-in code; the accepted step is stored so the same code cannot be replayed."""
    if not user.has_mfa:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def _recovery_hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code once."""
    code = _normalise(code).lower()
    if not code or not user.has_mfa:
        return False
    rows = db.session.scalars(db.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    for row in rows:
        if check_password_hash(row.code_hash, code):
            row.used_at = utcnow()
            db.session.commit()
            record_access("mfa_recovery", "user", user.id)
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm enrolment with a first code from the app; the recovery codes (shown once) or None."""
    step = check_code(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for plain in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=generate_password_hash(
            _normalise(plain), method=_recovery_hash_method())))
    db.session.commit()
    record_access("mfa_enrol", "user", user.id)
    return codes


def reset(user: User) -> None:
    """Remove the user's factor (lost phone): they enrol again at their next sign-in, if required.
    Their sessions end too, since one of them may be the thief's."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()
    record_access("mfa_reset", "user", user.id)
    end_all_sessions(user, "mfa_reset")
