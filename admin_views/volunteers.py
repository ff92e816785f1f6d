"""Volunteers registered on the public page, and the list of skills / interests they choose from."""
from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from wtforms import SelectField
from wtforms.validators import ValidationError

from admin_views.base import SecureModelView
from extensions import db
from models.volunteer import Volunteer, VolunteerFieldKind, VolunteerStatus
from workflow.dates import dual_date
from workflow.roles import ADMIN_ONLY, ADMIN_OFFICER
from workflow.volunteers import (DAY_PARTS, EDUCATION, HOW_HEARD, STATUS_LABELS, WEEKDAYS, VolunteerError,
                                 check_status_change, set_status)

_DAYS = dict(WEEKDAYS)
_PARTS = dict(DAY_PARTS)
_EDU = dict(EDUCATION)
_HEARD = dict(HOW_HEARD)
_GENDER = {"male": _l("Male"), "female": _l("Female")}


def _labels(mapping, values) -> str:
    return "، ".join(str(mapping.get(v, v)) for v in values or [])


def _fields(view, context, model, name) -> str:
    return "، ".join(f.name for f in model.fields)


LABELS = {
    "full_name": _l("Full name"), "national_id": _l("National ID or iqama number"), "phone": _l("Mobile number"),
    "email": _l("Email"), "gender": _l("Gender"), "birth_date": _l("Birth date"), "city": _l("City"),
    "education": _l("Education"), "fields": _l("Skills and interests"), "availability_days": _l("Days"),
    "availability_hours": _l("Times"), "how_heard": _l("How they heard of us"), "message": _l("Their message"),
    "status": _l("Status"), "notes": _l("Staff notes"), "consent_at": _l("Consent given at"),
    "privacy_notice_version": _l("Privacy notice version"), "created_at": _l("Registered at"),
    "updated_at": _l("Updated at"),
}


class VolunteerAdmin(SecureModelView):
    roles_read = ADMIN_OFFICER
    roles_create = frozenset()  # people register themselves, with their own consent
    roles_edit = ADMIN_OFFICER
    roles_delete = ADMIN_ONLY  # erasure requests
    roles_export = ADMIN_OFFICER
    action_roles = {"contacted": ADMIN_OFFICER, "activate": ADMIN_OFFICER, "decline": ADMIN_OFFICER}
    audit_reads = True

    column_list = ("full_name", "national_id", "phone", "city", "fields", "availability_days", "status", "created_at")
    column_details_list = ("full_name", "national_id", "phone", "email", "gender", "birth_date", "city", "education",
                           "fields", "availability_days", "availability_hours", "how_heard", "message", "status",
                           "notes", "consent_at", "privacy_notice_version", "created_at", "updated_at")
    column_export_list = column_details_list
    column_searchable_list = ("full_name", "national_id", "phone", "city")
    column_filters = ("status", "city", "gender", "created_at")
    column_default_sort = ("created_at", True)
    column_labels = LABELS
    column_formatters = {
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "fields": _fields,
        "availability_days": lambda v, c, m, n: _labels(_DAYS, m.availability_days),
        "availability_hours": lambda v, c, m, n: _labels(_PARTS, m.availability_hours),
        "education": lambda v, c, m, n: _EDU.get(m.education, m.education) if m.education else "",
        "how_heard": lambda v, c, m, n: _HEARD.get(m.how_heard, m.how_heard) if m.how_heard else "",
        "gender": lambda v, c, m, n: _GENDER.get(m.gender, m.gender),
        "created_at": lambda v, c, m, n: dual_date(m.created_at, with_time=True),
        "updated_at": lambda v, c, m, n: dual_date(m.updated_at, with_time=True),
        "consent_at": lambda v, c, m, n: dual_date(m.consent_at, with_time=True),
        "birth_date": lambda v, c, m, n: dual_date(m.birth_date),
    }
    column_formatters_export = {
        **{k: (lambda f: (lambda v, c, m, n: str(f(v, c, m, n))))(fn) for k, fn in column_formatters.items()},
        "created_at": lambda v, c, m, n: m.created_at.isoformat(),
        "updated_at": lambda v, c, m, n: m.updated_at.isoformat() if m.updated_at else "",
        "consent_at": lambda v, c, m, n: m.consent_at.isoformat() if m.consent_at else "",
        "birth_date": lambda v, c, m, n: m.birth_date.isoformat() if m.birth_date else "",
    }
    form_columns = ("status", "fields", "notes")
    form_overrides = {"status": SelectField}
    form_args = {"status": {"label": _l("Status")}, "notes": {"label": _l("Staff notes")},
                 "fields": {"label": _l("Skills and interests")}}

    def get_query(self):
        return super().get_query().options(selectinload(Volunteer.fields))

    def scaffold_auto_joins(self):
        return []  # get_query() selectin-loads the fields: one query per page, not a join per row

    def _status_choices(self, form):
        form.status.choices = [(s, STATUS_LABELS[s]) for s in VolunteerStatus.ALL]
        return form

    def edit_form(self, obj=None):
        return self._status_choices(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        status = getattr(form, "status", None)
        if status is not None:
            try:
                check_status_change(status.object_data or VolunteerStatus.NEW, status.data)
            except VolunteerError as exc:
                raise ValidationError(str(exc)) from None

    def _bulk_status(self, ids, new: str):
        changed, refused = 0, 0
        for volunteer in self.get_query().filter(Volunteer.id.in_([int(i) for i in ids])).all():
            try:
                if volunteer.status != new:
                    set_status(volunteer, new)
                    changed += 1
            except VolunteerError:
                refused += 1
        db.session.commit()
        flash(_("%(n)d volunteer(s) updated.", n=changed), "success")
        if refused:
            flash(_("%(n)d volunteer(s) could not move to this status from their current one.", n=refused), "warning")

    @action("contacted", _l("Mark as contacted"))
    def action_contacted(self, ids):
        self._bulk_status(ids, VolunteerStatus.CONTACTED)

    @action("activate", _l("Mark as active"))
    def action_activate(self, ids):
        self._bulk_status(ids, VolunteerStatus.ACTIVE)

    @action("decline", _l("Mark as declined"))
    def action_decline(self, ids):
        self._bulk_status(ids, VolunteerStatus.DECLINED)


KIND_LABELS = {VolunteerFieldKind.SKILL: _l("Skill"), VolunteerFieldKind.INTEREST: _l("Field of interest")}


class VolunteerFieldAdmin(SecureModelView):
    roles_read = ADMIN_OFFICER
    roles_create = roles_edit = roles_delete = ADMIN_ONLY
    roles_export = ADMIN_ONLY

    column_list = ("kind", "name_ar", "name_en", "active", "sort_order")
    column_default_sort = ("sort_order", False)
    column_filters = ("kind", "active")
    column_labels = {"kind": _l("Kind"), "name_ar": _l("Name (Arabic)"), "name_en": _l("Name (English)"),
                     "active": _l("Active"), "sort_order": _l("Order")}
    column_formatters = {"kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind)}
    form_columns = ("kind", "name_ar", "name_en", "active", "sort_order")
    form_overrides = {"kind": SelectField}

    def _kinds(self, form):
        form.kind.choices = [(k, KIND_LABELS[k]) for k in VolunteerFieldKind.ALL]
        return form

    def create_form(self, obj=None):
        return self._kinds(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._kinds(super().edit_form(obj))
