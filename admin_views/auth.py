"""Sign-in (password, then the second factor when the person has one) and sign-out."""
from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from extensions import db, limiter
from forms.auth import CodeForm, LoginForm
from models.user import User
from workflow.audit import mask_email, record_access
from workflow.mfa import use_recovery_code, verify_totp
from workflow.sessions import end_current_session, remember_days, start_session
from workflow.users import authenticate

bp = Blueprint("auth", __name__)

# Minutes between the password and the code before the person must start again.
PENDING_MINUTES = 5


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(urljoin(request.host_url, target))
    host = urlsplit(request.host_url)
    if parts.scheme != host.scheme or parts.netloc != host.netloc:
        return None
    return target


def _failed_login(response) -> bool:
    # Only failed attempts count towards the limit (a failed login re-renders the form: 200).
    return request.method == "POST" and response.status_code == 200


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session at each step: no fixation
    if lang:
        session["lang"] = lang


def _sign_in(user: User, remember: bool, how: str, target: str | None):
    _fresh_session()
    start_session(user, remember=remember)
    login_user(user, remember=remember)
    session.permanent = True
    record_access("login", "user", user.id, note=how)
    return redirect(safe_next(target) or url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
    form = LoginForm()
    if not remember_days():
        del form.remember
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        remember = bool(form.remember.data) if "remember" in form else False
        if user is not None and user.has_mfa:
            _fresh_session()
            session["mfa_pending"] = {"user_id": user.id, "at": int(time.time()), "remember": remember,
                                      "next": safe_next(request.args.get("next"))}
            return redirect(url_for("auth.login_code"))
        if user is not None:
            return _sign_in(user, remember, "password", request.args.get("next"))
        record_access("login_failed", "user", note=mask_email(form.email.data))
        # The same words whether or not the account exists. The message belongs to the fields
        # (the template marks both invalid and ties them to it), not to a page-level alert.
        form.password.errors.append(_("Incorrect email or password."))
    return render_template("auth/login.html", form=form)


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get("mfa_pending") or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_MINUTES * 60:
        return None, {}
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active or not user.has_mfa:
        return None, {}
    return user, pending


def _pending_account() -> str:
    return f"mfa-account:{(session.get('mfa_pending') or {}).get('user_id')}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["MFA_RATE_LIMIT"], methods=["POST"], deduct_when=_failed_login)
# Per account too: guesses spread over many addresses still run out.
@limiter.limit(lambda: current_app.config["MFA_RATE_LIMIT"], methods=["POST"], deduct_when=_failed_login,
               key_func=_pending_account)
def login_code():
    """The second step: the password was right; now the authenticator's code (or a recovery code)."""
    user, pending = _pending_user()
    if user is None:
        session.pop("mfa_pending", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if verify_totp(user, code):
            return _sign_in(user, pending.get("remember", False), "totp", pending.get("next"))
        if use_recovery_code(user, code):
            flash(_("You used a recovery code. It cannot be used again."), "info")
            return _sign_in(user, pending.get("remember", False), "recovery_code", pending.get("next"))
        record_access("login_failed", "user", user.id, note="second factor")
        flash(_("The code is not correct, or it was already used. Enter the current code from your app."), "error")
    return render_template("auth/login_code.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_current_session(current_user, "logout")
        record_access("logout", "user", current_user.id)
    logout_user()
    _fresh_session()
    flash(_("You have signed out."), "success")
    response = redirect(url_for("auth.login"))
    # The remember-me cookie goes too (Flask-Login's own clearing was lost with session.clear()).
    response.delete_cookie(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
                           domain=current_app.config.get("REMEMBER_COOKIE_DOMAIN"),
                           path=current_app.config.get("REMEMBER_COOKIE_PATH", "/"))
    return response
