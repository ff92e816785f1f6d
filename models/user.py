"""Staff accounts and their roles."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.types import UTCDateTime, utcnow
from workflow.roles import Role


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.VIEWER.value, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second factor (RFC 6238 TOTP): the shared secret once enrolment is confirmed, and the last
    # time step a code was accepted for, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    # The branch offices this person works for; none = head office (sees every branch).
    branches = relationship("Branch", secondary="user_branch", order_by="Branch.name_ar")

    # Never written to the audit trail.
    audit_exclude = ("password_hash", "totp_secret", "totp_last_step")

    def set_password(self, password: str) -> None:
        # Werkzeug's scrypt is deliberately slow; tests may choose a cheaper method.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {r.value if isinstance(r, Role) else r for r in roles}

    @property
    def has_mfa(self) -> bool:
        return bool(self.totp_secret and self.totp_enrolled_at)

    # Flask-Login keeps get_id() in the session and the remember-me cookie: it names the
    # server-side session (workflow/sessions.py), so ending that row ends both cookies.
    session_token = None  # set per request by workflow/sessions.py

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}" if self.session_token else str(self.id)

    def __str__(self) -> str:
        return self.full_name or self.email


class UserSession(db.Model):
    """One signed-in browser. Checked on every request, so ending it here ends it on every server."""

    __tablename__ = "user_session"
    audit_skip = True  # touched on every request; starts and ends are recorded by workflow/sessions.py

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random token in the cookie: a copy of this table opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class RecoveryCode(db.Model):
    """A one-time code that replaces the authenticator app once (stored hashed)."""

    __tablename__ = "recovery_code"
    audit_skip = True  # hashes only; enrolment and use are recorded explicitly

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
