"""Reference lists the admin configures: channels, staff tools, document types."""
from __future__ import annotations

import re

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from admin_views.base import SecureModelView
from admin_views.registry import PurgeFilesOnDelete
from forms.registry import StoredFileField
from models.reference import StaffTool
from workflow.roles import ADMIN_ONLY, ALL

CATEGORY = _l("Settings")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
_COMMON_LABELS = {
    "code": _l("Code"), "name_ar": _l("Name (Arabic)"), "name_en": _l("Name (English)"), "active": _l("Active"),
    "sort_order": _l("Order"), "expires": _l("Expires"), "description_ar": _l("Description (Arabic)"),
    "description_en": _l("Description (English)"), "url": _l("Link"), "file": _l("File"),
    "upload": _l("File (PDF, JPEG or PNG)"), "open": _l("Open the tool"),
}


class ReferenceAdmin(SecureModelView):
    roles_read = ALL
    roles_create = roles_edit = ADMIN_ONLY
    roles_delete = frozenset()  # rows are referenced by history: deactivate instead
    roles_export = ADMIN_ONLY
    column_default_sort = "sort_order"
    column_labels = _COMMON_LABELS
    column_filters = ("active",)
    form_args = {"code": {"description": _l("Short English code: small letters, digits and _ (e.g. home_visit).")}}

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method == "POST" and hasattr(form, "code"):
            if not _CODE.match((form.code.data or "").strip()):
                form.code.errors = list(form.code.errors or []) + [
                    _("Use small English letters, digits and _ only, starting with a letter.")]
                valid = False
            if not (form.name_ar.data or "").strip():
                form.name_ar.errors = list(form.name_ar.errors or []) + [_("The Arabic name is required.")]
                valid = False
        return valid


class ChannelAdmin(ReferenceAdmin):
    column_list = ("name_ar", "name_en", "code", "active", "sort_order")
    form_columns = ("code", "name_ar", "name_en", "active", "sort_order")


class DocumentTypeAdmin(ReferenceAdmin):
    column_list = ("name_ar", "name_en", "code", "expires", "active", "sort_order")
    form_columns = ("code", "name_ar", "name_en", "expires", "active", "sort_order")
    form_args = {**ReferenceAdmin.form_args,
                 "expires": {"description": _l("Tick when this kind of document has an expiry date that must be checked.")}}


def _tool_link(view, context, model, name):
    links = []
    if model.file_id:
        links.append(Markup('<a href="{}"><bdi>{}</bdi></a>').format(url_for("storedfile.download", file_id=model.file_id),
                                                          model.file.original_name))  # noqa
    if model.url:
        links.append(Markup('<a href="{}" target="_blank" rel="noopener noreferrer" dir="ltr">{}</a>').format(
            model.url, model.url))
    return Markup(" · ").join(links)


class StaffToolAdmin(PurgeFilesOnDelete, ReferenceAdmin):
    roles_delete = ADMIN_ONLY

    def files_of(self, model):
        return [model.file]
    column_list = ("name_ar", "name_en", "open", "active", "sort_order")
    column_details_list = ("code", "name_ar", "name_en", "description_ar", "description_en", "open", "active",
                           "sort_order")
    form_columns = ("code", "name_ar", "name_en", "description_ar", "description_en", "url", "upload", "active",
                    "sort_order")
    form_extra_fields = {"upload": StoredFileField(_l("File (PDF, JPEG or PNG)"), target="file")}
    column_formatters = {"open": _tool_link}
    column_formatters_export = {"open": lambda v, c, m, n: m.url or (m.file.original_name if m.file else "")}

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.upload.populate_current(obj)
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method == "POST" and hasattr(form, "upload"):
            url = (form.url.data or "").strip()
            form.url.data = url
            if url and not re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE):
                form.url.errors = list(form.url.errors or []) + [
                    _("Enter a web address starting with https:// (or http://).")]
                valid = False
            if not url and not form.upload.has_file:
                form.url.errors = list(form.url.errors or []) + [_("Give a link or upload a file.")]
                valid = False
        return valid


__all__ = ["ChannelAdmin", "DocumentTypeAdmin", "StaffToolAdmin", "StaffTool"]
