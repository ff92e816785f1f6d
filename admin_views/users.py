"""Users and roles, managed by admins."""
from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from wtforms import PasswordField, SelectField
from wtforms.validators import ValidationError

from admin_views.base import SecureModelView
from forms.users import optional_strong_password
from models.user import User
from workflow import mfa
from workflow.roles import ADMIN_ONLY, role_choices, role_label
from workflow.sessions import end_all_sessions, open_sessions
from workflow.users import UserError, check_deactivation, check_role_change, normalize_email


class UserAdmin(SecureModelView):
    roles_read = roles_create = roles_edit = ADMIN_ONLY
    roles_delete = frozenset()  # deactivate instead: the audit trail keeps pointing at them
    roles_export = ADMIN_ONLY

    column_list = ("full_name", "email", "role", "branches", "active", "has_mfa", "last_login_at")
    column_auto_select_related = False  # exports stream: the branches come with one SELECT ... IN per page
    list_eager_load = ("branches",)
    column_searchable_list = ("full_name", "email")
    column_filters = ("role", "active")
    column_details_exclude_list = ("password_hash", "totp_secret", "totp_last_step")
    column_export_exclude_list = ("password_hash", "totp_secret", "totp_last_step")
    form_columns = ("full_name", "email", "role", "branches", "active", "new_password")
    column_labels = {
        "full_name": _l("Full name"), "email": _l("Email"), "role": _l("Role"),
        "active": _l("Active"), "last_login_at": _l("Last sign-in"), "created_at": _l("Created at"),
        "new_password": _l("New password"), "has_mfa": _l("Second factor"),
        "totp_enrolled_at": _l("Second factor set up at"), "branches": _l("Branch offices"),
    }
    column_formatters = {"role": lambda v, c, m, n: role_label(m.role),
                         "has_mfa": lambda v, c, m, n: _("Yes") if m.has_mfa else _("No"),
                         "branches": lambda v, c, m, n: "، ".join(str(b) for b in m.branches) or _l("Head office")}
    column_formatters_export = {"role": lambda v, c, m, n: role_label(m.role),
                                "branches": lambda v, c, m, n: "، ".join(str(b) for b in m.branches)}
    form_args = {"branches": {"label": _l("Branch offices"),
                              "description": _l("None: head office (sees every branch).")}}
    form_extra_fields = {
        "new_password": PasswordField(_l("New password"), validators=[optional_strong_password],
                                      description=_l("Leave empty to keep the current password.")),
    }
    form_overrides = {"role": SelectField}
    details_template = "admin/users/details.html"  # with "sign out everywhere" and "reset second factor"

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.role.choices = role_choices()
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.role.choices = role_choices()
        return form

    def on_model_change(self, form, model, is_created):
        model.email = normalize_email(model.email)
        try:
            if hasattr(form, "role"):  # inline edits send only some fields
                # The form has already been copied onto the model: compare with the stored role.
                stored = sa_inspect(model).attrs.role.history.deleted
                old_role = stored[0] if stored else model.role
                check_role_change(current_user, None if is_created else model, form.role.data, old_role)
            if not is_created and hasattr(form, "active"):
                check_deactivation(current_user, model, bool(form.active.data))
        except UserError as exc:
            raise ValidationError(str(exc))
        new_password = getattr(form, "new_password", None)
        if new_password is not None and new_password.data:
            model.set_password(new_password.data)
        elif is_created:
            raise ValidationError(str(_l("Set a password for the new user.")))

    def after_model_change(self, form, model, is_created):
        # A reset password or a deactivated account ends every session, remember-me included.
        if is_created:
            return
        new_password = getattr(form, "new_password", None)
        if new_password is not None and new_password.data:
            end_all_sessions(model, "password_reset")
        elif not model.active and open_sessions(model):
            end_all_sessions(model, "deactivated")

    @action("sign_out_everywhere", _l("Sign out everywhere"),
            _l("End every session of the selected users, on every device?"))
    def action_sign_out_everywhere(self, ids):
        users = self.get_query().filter(User.id.in_(self.typed_ids(ids))).all()
        for user in users:
            end_all_sessions(user, "admin_sign_out")
        flash(_("Signed out on every device: %(n)d user(s).", n=len(users)), "success")

    @action("reset_mfa", _l("Reset second factor"),
            _l("Remove the authenticator app of the selected users? They set it up again at their next sign-in."))
    def action_reset_mfa(self, ids):
        users = [u for u in self.get_query().filter(User.id.in_(self.typed_ids(ids))).all() if u.has_mfa]
        for user in users:
            mfa.reset(user)
        flash(_("Second factor reset: %(n)d user(s).", n=len(users)), "success")
