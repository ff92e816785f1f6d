"""A person's own account: password, second factor, and "sign out everywhere"."""
from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from admin_views.base import SecureView
from forms.auth import CodeForm, ConfirmForm, PasswordChangeForm
from workflow import mfa
from workflow.audit import record_access
from workflow.roles import ALL
from workflow.sessions import end_all_sessions, open_sessions, start_session
from workflow.users import UserError, set_password

ENROL_SECRET = "mfa_enrol_secret"


class AccountView(SecureView):
    """`/admin/account/`: every signed-in person's own page (not a menu entry: the name in the bar)."""

    roles_read = ALL

    def is_visible(self) -> bool:
        return False

    def _page(self, password_form=None, **extra):
        return self.render("admin/account/index.html", user=current_user,
                           password_form=password_form or PasswordChangeForm(prefix="pw"),
                           confirm_form=ConfirmForm(), mfa_required=mfa.required_for(current_user),
                           codes_left=mfa.recovery_codes_left(current_user) if current_user.has_mfa else 0,
                           sessions=open_sessions(current_user), **extra)

    @expose("/")
    def index(self):
        return self._page()

    @expose("/password", methods=("POST",))
    def password(self):
        form = PasswordChangeForm(prefix="pw")
        if form.validate_on_submit():
            if not current_user.check_password(form.current_password.data):
                form.current_password.errors.append(_("The current password is not correct."))
            else:
                try:
                    set_password(current_user, form.new_password.data, "password_change")
                except UserError as exc:
                    form.new_password.errors.append(str(exc))
                else:
                    # Every session ended, this one too (a copy of its cookie included): a new one here.
                    user = current_user._get_current_object()
                    start_session(user)
                    login_user(user)
                    session.permanent = True
                    flash(_("Your password was changed. Every other session was signed out."), "success")
                    return redirect(url_for(".index"))
        return self._page(password_form=form), 200

    @expose("/sign-out-everywhere", methods=("POST",))
    def sign_out_everywhere(self):
        if ConfirmForm().validate_on_submit():
            end_all_sessions(current_user, "sign_out_everywhere")
            record_access("logout", "user", current_user.id, note="everywhere")
            logout_user()
            flash(_("You were signed out on every device. Sign in again to continue."), "success")
            return redirect(url_for("auth.login"))
        return redirect(url_for(".index"))

    @expose("/mfa", methods=("GET", "POST"))
    def mfa(self):
        """Enrolment: scan the QR code, confirm with a first code, see the recovery codes once."""
        secret = session.get(ENROL_SECRET) or mfa.new_secret()
        session[ENROL_SECRET] = secret
        form = CodeForm()
        if form.validate_on_submit():
            codes = mfa.enrol(current_user, secret, form.code.data)
            if codes:
                session.pop(ENROL_SECRET, None)
                return self.render("admin/account/recovery_codes.html", codes=codes)
            form.code.errors.append(_("The code is not correct. Check the time on your phone and enter the current code."))
        uri = mfa.provisioning_uri(current_user, secret)
        return self.render("admin/account/mfa.html", form=form, qr=mfa.qr_data_uri(uri), secret=secret,
                           forced=mfa.required_for(current_user) and not current_user.has_mfa)
