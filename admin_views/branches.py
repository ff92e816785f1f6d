"""Branch offices (admin settings), and the branch field and filter the registry and request
screens share. Which branch records a staff member may see is decided once, in the base view
(workflow/branches.py)."""
from __future__ import annotations

from flask import has_request_context, request
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.form import InlineFormAdmin
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from admin_views.base import SecureModelView
from models.branch import BranchRepresentative
from workflow.branches import branch_choices_for, default_branch, visible_branch_ids
from workflow.kept import FILTER_GROUPS, forget, kept, seconds_for
from workflow.phones import normalize_saudi_mobile
from workflow.roles import ADMIN_ONLY, ALL

HEAD_OFFICE = "0"


class RepresentativeInline(InlineFormAdmin):
    form_columns = ("id", "full_name", "phone", "active")
    form_label = _l("Representative")
    column_labels = {"full_name": _l("Full name"), "phone": _l("Mobile"), "active": _l("Active")}
    form_args = {"full_name": {"label": _l("Full name")}, "phone": {"label": _l("Mobile")},
                 "active": {"label": _l("Active")}}


def _representatives(view, context, model, name):
    return Markup("<br>").join(escape(r.full_name) for r in model.representatives if r.active)


BRANCH_OPTIONS = "branch_options"


class BranchAdmin(SecureModelView):
    """Branch offices: admins configure them; every role may read the list (contact points)."""

    roles_read = ALL
    roles_create = roles_edit = ADMIN_ONLY
    roles_delete = frozenset()  # records and staff point at it: deactivate instead
    roles_export = ADMIN_ONLY

    column_list = ("name_ar", "name_en", "city", "region", "phone", "active", "representatives")
    column_details_list = ("name_ar", "name_en", "city", "region", "phone", "email", "address", "active",
                           "representatives")
    column_searchable_list = ("name_ar", "name_en", "city")
    column_filters = ("active",)
    column_default_sort = "name_ar"
    column_auto_select_related = False  # the collection is selectin-loaded (list_eager_load)
    list_eager_load = ("representatives",)
    column_labels = {
        "name_ar": _l("Name (Arabic)"), "name_en": _l("Name (English)"), "city": _l("City"),
        "region": _l("Region"), "phone": _l("Phone"), "email": _l("Email"), "address": _l("Address"),
        "active": _l("Active"), "representatives": _l("Representatives"),
    }
    column_formatters = {"representatives": _representatives}
    column_formatters_export = {"representatives": lambda v, c, m, n: "، ".join(r.full_name for r in m.representatives)}
    form_columns = ("name_ar", "name_en", "city", "region", "phone", "email", "address", "active")
    inline_models = (RepresentativeInline(BranchRepresentative),)

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        forget(BRANCH_OPTIONS)  # the filters offer the new or renamed branch at once
        forget(FILTER_GROUPS)

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or not hasattr(form, "name_ar"):
            return valid
        if not (form.name_ar.data or "").strip():
            form.name_ar.errors = list(form.name_ar.errors or []) + [_("The Arabic name is required.")]
            valid = False
        for entry in getattr(form, "representatives", None) or []:
            sub = entry.form
            if form.representatives.should_delete(entry):
                continue
            if not (sub.full_name.data or "").strip():
                sub.full_name.errors = list(sub.full_name.errors or []) + [_("The name is required.")]
                valid = False
            phone = (sub.phone.data or "").strip()
            if phone:
                try:
                    sub.phone.data = normalize_saudi_mobile(phone)
                except ValueError as exc:
                    sub.phone.errors = list(sub.phone.errors or []) + [str(exc)]
                    valid = False
        return valid


# -- the shared branch field and filter ------------------------------------------------
def branch_options() -> list[tuple[str, str]]:
    """The branch filter's choices: the user's branches (or head office and every active branch),
    kept a minute per process (FILTER_OPTIONS_CACHE_SECONDS), dropped when a branch is saved here."""
    if not has_request_context():  # Flask-Admin builds filters once at start-up
        return [("", "")]
    ids = visible_branch_ids()

    def options():
        head_office = [] if ids is not None else [(HEAD_OFFICE, _("Head office"))]
        return head_office + [(str(b.id), str(b)) for b in branch_choices_for()]

    return kept(BRANCH_OPTIONS, (tuple(ids) if ids is not None else None, str(get_locale())),
                seconds_for("FILTER_OPTIONS_CACHE_SECONDS"), options)


class BranchFilter(BaseSQLAFilter):
    """Records of one branch office, or of head office (no branch)."""

    def __init__(self, column, name, **kwargs):
        super().__init__(column, name, options=branch_options, **kwargs)

    def apply(self, query, value, alias=None):
        value = (value or "").strip()
        if value == HEAD_OFFICE:
            return query.filter(self.column.is_(None))
        if value.isdigit():
            return query.filter(self.column == int(value))
        return query

    def operation(self):
        return _l("is")


def branch_select_field(label=_l("Branch")):
    """The branch a record is received at: active branches this staff member may record against."""
    return QuerySelectField(label, query_factory=branch_choices_for, allow_blank=True, blank_text=_l("Head office"))


class BranchFieldMixin:
    """Adds the receiving branch to the create/edit form: the staff member's own branch by default;
    a branch-scoped staff member may only choose among their branches (head office is not theirs)."""

    branch_field_label = _l("Branch")

    def scaffold_form(self):
        form_class = super().scaffold_form()
        form_class.branch = branch_select_field(self.branch_field_label)
        return form_class

    def _branch_form(self, form):
        if "branch" in form:
            form.branch.allow_blank = visible_branch_ids() is None
            if form.branch.allow_blank and not branch_choices_for():
                del form["branch"]  # an organisation without branch offices: nothing to choose
        return form

    def create_form(self, obj=None):
        form = self._branch_form(super().create_form(obj))
        if request.method == "GET" and "branch" in form and form.branch.data is None:
            form.branch.data = default_branch(current_user)
        return form

    def edit_form(self, obj=None):
        return self._branch_form(super().edit_form(obj))
