"""The shared base views: every admin screen inherits its security from here.

Flask-Admin leaves several gaps that are closed here once, for every view:
- permissions are checked on the server for each endpoint (list, details,
  create, edit, delete, actions, inline edit, ajax lookups, export), not by
  hiding buttons;
- inline edit (/ajax/update/) honours the edit permission;
- get_one() goes through get_query(), so a row a role cannot list cannot be
  opened, edited or deleted by guessing its id;
- exports escape spreadsheet formulas, carry a UTF-8 BOM for Excel, keep the
  Arabic file name, and are recorded in the audit trail.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, abort, has_request_context, redirect, request, stream_with_context, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import tools as sqla_tools
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters as model_filters
from flask_admin.model.form import converts
from flask_admin.babel import Translations as AdminTranslations
from flask_login import current_user
from flask_wtf import FlaskForm

from workflow.audit import record_access
from workflow.roles import ADMIN_ONLY, ALL, Role
from workflow.spreadsheet import escape_formula

# Which permission each Flask-Admin endpoint needs.
ENDPOINT_PERMISSION = {
    "index_view": "read",
    "details_view": "read",
    "ajax_lookup": "read",
    "action_view": "read",  # each action is then checked in is_action_allowed()
    "create_view": "create",
    "edit_view": "edit",
    "ajax_update": "edit",
    "delete_view": "delete",
    "export": "export",
}


def current_role() -> Role | None:
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return None
    try:
        return Role(current_user.role)
    except ValueError:
        return None


def role_in(roles: Iterable[Role]) -> bool:
    role = current_role()
    return role is not None and role in set(roles)


def _deny(name=None, **kwargs):
    """Anonymous people go to the login page; staff without the right get 403."""
    if not getattr(current_user, "is_authenticated", False):
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    abort(403)


class AdminForm(FlaskForm):
    """Flask-Admin forms carry Flask-WTF's CSRF token, which the global CSRFProtect checks."""

    class Meta(FlaskForm.Meta):
        _translations = AdminTranslations()

        def get_translations(self, form):
            return self._translations

    def __init__(self, formdata=None, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


class AppModelConverter(AdminModelConverter):
    """Form fields for our own column types."""

    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        return self.convert_datetime(field_args, **extra)


class AppFilterConverter(FilterConverter):
    """List filters for our own column types."""

    @model_filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class SecureView(BaseView):
    """A custom (non-model) admin page, readable by `roles_read`."""

    roles_read: frozenset[Role] = ALL

    def is_accessible(self) -> bool:
        return role_in(self.roles_read)

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return _deny(name, **kwargs)


class SecureIndexView(AdminIndexView):
    def is_accessible(self) -> bool:
        return current_role() is not None

    def inaccessible_callback(self, name, **kwargs):
        return _deny(name, **kwargs)


class SecureModelView(ModelView):
    """Base of every model screen. Subclasses set the role sets, nothing else."""

    roles_read: frozenset[Role] = ADMIN_ONLY
    roles_create: frozenset[Role] = ADMIN_ONLY
    roles_edit: frozenset[Role] = ADMIN_ONLY
    roles_delete: frozenset[Role] = ADMIN_ONLY
    roles_export: frozenset[Role] = frozenset()
    # Per bulk action: {"verify": {Role.OFFICER, ...}}; unnamed actions need edit.
    action_roles: dict[str, frozenset[Role]] = {}
    # Table whose reads and exports are personal data and go to the audit trail.
    audit_reads = False

    form_base_class = AdminForm
    model_form_converter = AppModelConverter
    filter_converter = AppFilterConverter()
    can_view_details = True
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    export_types = ["csv", "xlsx"]
    export_max_rows = 50_000

    # -- permission checks -------------------------------------------------
    def allowed(self, permission: str) -> bool:
        return role_in(getattr(self, f"roles_{permission}"))

    def is_accessible(self) -> bool:
        return self.allowed("read")

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return _deny(name, **kwargs)

    def _handle_view(self, name, **kwargs):
        response = super()._handle_view(name, **kwargs)
        if response is not None:
            return response
        permission = ENDPOINT_PERMISSION.get(name, "read")
        if not self.allowed(permission):
            return _deny(name, **kwargs)
        return None

    # Flask-Admin reads these flags to draw buttons and in some endpoints;
    # they follow the signed-in role on every request.
    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allowed("create")

    @can_create.setter
    def can_create(self, value) -> None:
        pass

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allowed("edit")

    @can_edit.setter
    def can_edit(self, value) -> None:
        pass

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allowed("delete")

    @can_delete.setter
    def can_delete(self, value) -> None:
        pass

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self.allowed("export")

    @can_export.setter
    def can_export(self, value) -> None:
        pass

    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return self.allowed("delete")
        roles = self.action_roles.get(name)
        if roles is None:
            return self.allowed("edit")
        return role_in(roles)

    # -- closing Flask-Admin's gaps --------------------------------------
    def get_one(self, id):
        """Open a record only if this role could list it (get_query applies)."""
        pk = sqla_tools.iterdecode(id)
        columns = self.model.__mapper__.primary_key
        if len(columns) == 1:
            # Typed comparison: PostgreSQL refuses `integer IN (varchar)`, and "abc" is simply no record.
            try:
                value = columns[0].type.python_type(pk[0] if isinstance(pk, tuple) else pk)
            except (TypeError, ValueError, NotImplementedError):
                return None
            record = self.get_query().filter(columns[0] == value).one_or_none()
        else:
            record = sqla_tools.get_query_for_ids(self.get_query(), self.model, [id]).one_or_none()
        if record is not None and self.audit_reads and request.endpoint and request.endpoint.endswith("details_view"):
            record_access("view", self.model.__tablename__, "-".join(map(str, pk)))
        return record

    def typed_ids(self, ids) -> list:
        """Row ids from a bulk action, converted to the key's type (PostgreSQL refuses integer = varchar)."""
        columns = self.model.__mapper__.primary_key
        if len(columns) != 1:
            return list(ids)
        typed = []
        for raw in ids:
            try:
                typed.append(columns[0].type.python_type(raw))
            except (TypeError, ValueError, NotImplementedError):
                continue
        return typed

    @action("delete", admin_lazy_gettext("Delete"),
            admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        return super().action_delete(self.typed_ids(ids))

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        if not self.can_edit:  # Flask-Admin does not check this itself
            abort(403)
        return super().ajax_update()

    def get_export_value(self, model, name):
        return escape_formula(super().get_export_value(model, name))

    def get_export_name(self, export_type: str = "csv") -> str:
        return super().get_export_name(export_type)

    def _export_disposition(self, export_type: str) -> str:
        # secure_filename() would drop Arabic; RFC 5987 keeps it.
        name = self.get_export_name(export_type)
        ascii_name = f"{self.model.__tablename__}.{export_type}"
        return f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(name)}"

    @expose("/export/<export_type>/")
    def export(self, export_type: str):
        if self.can_export and export_type in self.export_types and self.audit_reads:
            record_access("export", self.model.__tablename__, note=f"{export_type} {request.query_string.decode()[:200]}")
        response = super().export(export_type)
        if isinstance(response, Response) and "Content-Disposition" in response.headers:
            response.headers["Content-Disposition"] = self._export_disposition(export_type)
        return response

    def _export_csv(self, return_url):
        """Streamed CSV with a UTF-8 BOM so Excel shows Arabic correctly."""
        count, data = self._export_data()

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())
        columns = self._export_columns

        def generate():
            yield "\ufeff" + writer.writerow([str(c[1]) for c in columns])
            for row in data:
                yield writer.writerow([self.get_export_value(row, c[0]) for c in columns])

        return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment"})


class ReadOnlyModelView(SecureModelView):
    """A record nobody may change from the panel (audit trail, events)."""

    roles_create = frozenset()
    roles_edit = frozenset()
    roles_delete = frozenset()
