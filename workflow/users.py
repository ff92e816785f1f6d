"""Staff accounts: creation, authentication and the rules on roles."""
from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l

from extensions import db
from models.types import utcnow
from models.user import User
from workflow.roles import ROLE_RANK, Role

MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """A rule on accounts was broken; the message is shown to the person."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" against an online or a
# slowed-down offline attack (about 10^8 guesses or more).
MIN_PASSWORD_SCORE = 3


def _personal_words(email: str | None, full_name: str | None) -> list[str]:
    """The person's own words, which a password must not be built from."""
    words = []
    email = normalize_email(email or "")
    if email:
        local, _, domain = email.partition("@")
        # The domain's name, not its ending (.org, .sa): too short and too common to mean anything.
        words += [email, local, *domain.split(".")[:-1], *re.split(r"[._+-]+", local)]
    words += (full_name or "").split()
    return [w for w in {w.strip().lower() for w in words} if len(w) >= 4]


def check_password_strength(password: str, email: str | None = None, full_name: str | None = None) -> None:
    """Refuse short, common, guessable or name/email-based passwords (no composition rules).

    The estimator is zxcvbn (Dropbox's, maintained as the `zxcvbn` package): it knows common
    passwords, keyboard walks, dates, repeats and words, and is given the person's own words.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    from zxcvbn import zxcvbn

    personal = _personal_words(email, full_name)
    result = zxcvbn(password[:100], user_inputs=personal)
    if any(m.get("dictionary_name") == "user_inputs" and len(m.get("token", "")) >= 4 for m in result["sequence"]):
        raise UserError(_l("The password must not contain your name or email address."))
    if result["score"] < MIN_PASSWORD_SCORE:
        raise UserError(_l("This password is too common or too easy to guess. Choose a longer phrase of "
                           "unrelated words."))


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def create_user(email: str, full_name: str, role: str | Role, password: str) -> User:
    email = normalize_email(email)
    if not email or "@" not in email:
        raise UserError(_l("Enter a valid email address."))
    role = Role(role)
    check_password_strength(password, email, full_name)
    if db.session.scalar(db.select(User.id).where(User.email == email)) is not None:
        raise UserError(_l("A user with this email already exists."))
    user = User(email=email, full_name=(full_name or email).strip(), role=role.value)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str, reason: str = "password_change") -> None:
    """Set a checked password and end every session of the user (a thief's copy included)."""
    from workflow.sessions import end_all_sessions

    check_password_strength(password, user.email, user.full_name)
    user.set_password(password)
    db.session.commit()
    end_all_sessions(user, reason)


def has_users() -> bool:
    return db.session.scalar(db.select(User.id).limit(1)) is not None


def bootstrap_admin(email: str | None, password: str | None) -> tuple[User, str | None] | None:
    """Create the first admin when there is no user at all.

    Returns (user, generated_password) — the password only when we made it up,
    so the caller prints it once. Returns None when users already exist.
    """
    if has_users():
        return None
    generated = None
    if not (email and password):
        email = email or "admin@example.org"
        generated = password = generate_password()
    user = create_user(email, "مدير النظام", Role.ADMIN, password)
    return user, generated


def authenticate(email: str, password: str) -> User | None:
    """The user when email and password match an active account, else None.

    A password hash is checked even for unknown emails so timing does not reveal
    which accounts exist.
    """
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    if user is None:
        User(password_hash=_DUMMY_HASH()).check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


_dummy: list[str] = []


def _DUMMY_HASH() -> str:
    if not _dummy:
        from werkzeug.security import generate_password_hash

        _dummy.append(generate_password_hash(secrets.token_hex(8)))
    return _dummy[0]


def check_role_change(actor: User, target: User | None, new_role: str, old_role: str | None = None) -> None:
    """Refuse role changes that would let someone raise themselves.

    Only admins reach the users screen, but an admin still may not change their
    own role (a demotion by mistake locks the association out), and nobody may
    grant a role above their own.
    """
    new = Role(new_role)
    old_role = old_role if old_role is not None else (target.role if target is not None else None)
    if target is not None and target.id == actor.id and old_role != new.value:
        raise UserError(_l("You cannot change your own role."))
    if ROLE_RANK[new] > ROLE_RANK[Role(actor.role)]:
        raise UserError(_l("You cannot grant a role above your own."))


def check_deactivation(actor: User, target: User, active: bool) -> None:
    if target.id == actor.id and not active:
        raise UserError(_l("You cannot deactivate your own account."))
