"""Server-side sessions: each signed-in browser is a row in user_session, checked on every request.

The session and remember-me cookies carry only "<user id>:<random token>" (Flask-Login's user id,
see User.get_id); the table keeps the token's SHA-256. Ending the row (logout, password change,
deactivation, "sign out everywhere", an MFA reset) therefore ends every copy of those cookies, on
every server, at the next request. Both limits are enforced here, not by the cookie's expiry:
- idle: SESSION_IDLE_MINUTES (60) without a request; remembered browsers are exempt (that is what
  the person ticked), but
- absolute: SESSION_HOURS (12) after sign-in, REMEMBER_DAYS (at most 14) for a remembered browser.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from extensions import db
from models.types import utcnow
from models.user import User, UserSession
from workflow.audit import record_access

# last_seen_at is written at most this often (not one UPDATE per request).
TOUCH_EVERY = timedelta(seconds=60)
MAX_REMEMBER_DAYS = 14


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def remember_days() -> int:
    return max(0, min(int(current_app.config.get("REMEMBER_DAYS", MAX_REMEMBER_DAYS)), MAX_REMEMBER_DAYS))


def start_session(user: User, remember: bool = False) -> str:
    """A new session row for `user`; its token is set on the user for login_user()."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), remember=bool(remember) and remember_days() > 0,
                               created_at=now, last_seen_at=now, end_reason=""))
    db.session.commit()
    user.session_token = token
    return token


def _expired(row: UserSession, now) -> str | None:
    if row.remember:
        if now - row.created_at > timedelta(days=remember_days()):
            return "expired"
        return None
    if now - row.created_at > timedelta(hours=current_app.config["SESSION_HOURS"]):
        return "expired"
    if now - row.last_seen_at > timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]):
        return "idle"
    return None


def load_session_user(identity: str) -> tuple[User | None, str | None]:
    """(user, None) for a live session; (None, why) when it has ended; (None, None) if unknown."""
    user_id, _, token = (identity or "").partition(":")
    if not (user_id.isdigit() and token):
        return None, None  # a cookie from before server-side sessions: sign in again
    # One query for the session and its user (this runs on every request).
    found = db.session.execute(db.select(UserSession, User).join(User, User.id == UserSession.user_id)
                               .where(UserSession.token_hash == _hash(token))).first()
    if found is None or found[0].user_id != int(user_id):
        return None, None
    row, user = found
    if row.ended_at is not None:
        return None, row.end_reason or "ended"
    if not user.active:
        _end(row, "deactivated")
        return None, "deactivated"
    now = utcnow()
    why = _expired(row, now)
    if why:
        _end(row, why)
        return None, why
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user, None


def _end(row: UserSession, reason: str) -> None:
    row.ended_at = utcnow()
    row.end_reason = reason
    db.session.commit()


def end_current_session(user: User, reason: str = "logout") -> None:
    if user.session_token:
        db.session.execute(update(UserSession).where(
            UserSession.token_hash == _hash(user.session_token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason))
        db.session.commit()


def end_all_sessions(user: User, reason: str) -> int:
    """End every open session of `user` (remember-me included); recorded in the audit trail."""
    count = db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)).rowcount
    db.session.commit()
    record_access("revoke_sessions", "user", user.id, note=reason)
    return count


def open_sessions(user: User) -> int:
    return db.session.scalar(db.select(db.func.count(UserSession.id)).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))) or 0
