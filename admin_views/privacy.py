"""Data-protection screens: data-subject requests, breaches, and the personal-data export."""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange, Optional

from admin_views.base import SecureModelView, SecureView
from admin_views.lookups import BeneficiaryLoader
from extensions import db
from models.beneficiary import Beneficiary
from models.privacy import PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus
from workflow.audit import record_access
from workflow.dates import days_left_text, dual_date, local_zone, overdue_text, to_local
from workflow.identity import normalize_digits
from workflow.privacy import (breach_clock, local_today, privacy_days_left, privacy_due, subject_export)
from workflow.roles import ADMIN_OFFICER, ADMIN_ONLY

KIND_LABELS = {
    PrivacyRequestKind.ACCESS: _l("Access to their data"),
    PrivacyRequestKind.CORRECTION: _l("Correction"),
    PrivacyRequestKind.DELETION: _l("Deletion"),
}
STATUS_LABELS = {
    PrivacyRequestStatus.OPEN: _l("Open"),
    PrivacyRequestStatus.COMPLETED: _l("Completed"),
    PrivacyRequestStatus.REFUSED: _l("Refused (with reasons)"),
}
BREACH_CATEGORIES = [
    ("identity", _l("Identity (names, national ID)")), ("contact", _l("Contact details")),
    ("financial", _l("Financial (income, bank)")), ("health", _l("Health and disability")),
    ("family", _l("Household members")), ("documents", _l("Uploaded documents")),
    ("research", _l("Social research reports")), ("other", _l("Other")),
]


def _due_cell(view, context, model, name):
    if model.status != PrivacyRequestStatus.OPEN:
        return dual_date(model.due_on)
    left = privacy_days_left(model)
    if left < 0:
        badge = Markup('<span class="badge badge-danger">{}</span>').format(overdue_text(-left))
    else:
        badge = Markup('<span class="badge badge-light">{}</span>').format(days_left_text(left))
    return Markup("{} {}").format(dual_date(model.due_on), badge)


class PrivacyRequestAdmin(SecureModelView):
    """Register of requests to access, correct or delete personal data (answer within 30 days)."""

    roles_read = roles_create = roles_edit = ADMIN_OFFICER
    roles_delete = frozenset()  # the register is evidence: close requests, never delete them
    roles_export = ADMIN_ONLY
    audit_reads = True

    column_list = ("id", "kind", "requester_name", "beneficiary", "received_on", "due_on", "status", "closed_on")
    column_details_list = ("id", "kind", "requester_name", "beneficiary", "received_on", "due_on", "details",
                           "status", "outcome", "closed_on", "handled_by", "created_at")
    column_default_sort = ("due_on", False)
    column_filters = ("status", "kind", "received_on", "due_on")
    column_searchable_list = ("requester_name",)
    column_labels = {
        "id": _l("No."), "kind": _l("Request"), "requester_name": _l("Requested by"), "beneficiary": _l("Beneficiary"),
        "received_on": _l("Received on"), "due_on": _l("Answer due"), "details": _l("What was asked"),
        "status": _l("Status"), "outcome": _l("Outcome"), "closed_on": _l("Closed on"),
        "handled_by": _l("Handled by"), "created_at": _l("Recorded at"),
    }
    column_formatters = {
        "kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind),
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "due_on": _due_cell,
    }
    column_formatters_export = {
        "kind": lambda v, c, m, n: str(KIND_LABELS.get(m.kind, m.kind)),
        "status": lambda v, c, m, n: str(STATUS_LABELS.get(m.status, m.status)),
    }
    form_columns = ("kind", "requester_name", "beneficiary", "received_on", "details", "status", "outcome",
                    "closed_on")
    form_overrides = {"kind": SelectField, "status": SelectField}
    form_args = {
        "kind": {"label": _l("Request"), "choices": list(KIND_LABELS.items()), "validators": [DataRequired()]},
        "status": {"label": _l("Status"), "choices": list(STATUS_LABELS.items()), "validators": [DataRequired()]},
        "requester_name": {"label": _l("Requested by"), "validators": [DataRequired()]},
        "received_on": {"label": _l("Received on"), "validators": [DataRequired()]},
        "details": {"label": _l("What was asked")},
        "outcome": {"label": _l("Outcome"), "description": _l("What was done, or why the request was refused.")},
        "closed_on": {"label": _l("Closed on")},
    }
    form_ajax_refs = {"beneficiary": BeneficiaryLoader("beneficiary")}

    def get_query(self):
        query = super().get_query().options(joinedload(PrivacyRequest.beneficiary))
        if request.args.get("overdue") == "1":  # the admin dashboard's link
            query = query.filter(PrivacyRequest.status == PrivacyRequestStatus.OPEN,
                                 PrivacyRequest.due_on < local_today())
        return query

    def get_count_query(self):
        query = super().get_count_query()
        if request.args.get("overdue") == "1":
            query = query.filter(PrivacyRequest.status == PrivacyRequestStatus.OPEN,
                                 PrivacyRequest.due_on < local_today())
        return query

    def on_model_change(self, form, model, is_created):
        from wtforms.validators import ValidationError

        model.due_on = privacy_due(model.received_on)
        if model.status != PrivacyRequestStatus.OPEN:
            if not (model.outcome or "").strip():
                raise ValidationError(_("Write the outcome before closing the request."))
            model.closed_on = model.closed_on or local_today()
            model.handled_by_id = current_user.id
        else:
            model.closed_on = None


def _clock_cell(view, context, model, name):
    clock = breach_clock(model)
    if clock.state == "running":
        return Markup('<span class="badge badge-warning">{}</span>').format(
            _("%(n)d hours left to notify the authority", n=clock.hours))
    if clock.state == "overdue":
        return Markup('<span class="badge badge-danger">{}</span>').format(
            _("Authority notification overdue by %(n)d hours", n=clock.hours))
    text = _("Authority notified after %(n)d hours", n=clock.hours)
    css = "badge-success" if clock.state == "notified" else "badge-danger"
    return Markup('<span class="badge {}">{}</span>').format(css, text)


_LOCAL_DATETIMES = ("discovered_at", "authority_notified_at", "people_notified_at")


class BreachAdmin(SecureModelView):
    """Register of personal-data breaches with the 72-hour clock for notifying the authority."""

    roles_read = roles_create = roles_edit = ADMIN_ONLY
    roles_delete = frozenset()
    roles_export = ADMIN_ONLY

    column_list = ("title", "discovered_at", "people_affected", "clock", "authority_notified_at",
                   "people_notified_at")
    column_details_list = ("title", "description", "discovered_at", "categories", "people_affected", "measures",
                           "clock", "authority_notified_at", "people_notified_at", "created_at")
    column_default_sort = ("discovered_at", True)
    column_labels = {
        "title": _l("Incident"), "description": _l("What happened"), "discovered_at": _l("Discovered at"),
        "categories": _l("Categories of data"), "people_affected": _l("People affected"),
        "measures": _l("Measures taken"), "clock": _l("72-hour clock"),
        "authority_notified_at": _l("Authority notified at"), "people_notified_at": _l("People notified at"),
        "created_at": _l("Recorded at"),
    }
    column_formatters = {
        "clock": _clock_cell,
        "categories": lambda v, c, m, n: "، ".join(str(dict(BREACH_CATEGORIES).get(x, x)) for x in (m.categories or [])),
    }
    column_formatters_export = {
        "categories": lambda v, c, m, n: ", ".join(str(dict(BREACH_CATEGORIES).get(x, x)) for x in (m.categories or [])),
    }
    form_columns = ("title", "description", "discovered_at", "categories", "people_affected", "measures",
                    "authority_notified_at", "people_notified_at")
    form_overrides = {"categories": SelectMultipleField}
    form_args = {
        "title": {"label": _l("Incident"), "validators": [DataRequired()]},
        "discovered_at": {"label": _l("Discovered at"), "validators": [DataRequired()],
                          "description": _l("Local time (the organisation's time zone).")},
        "categories": {"label": _l("Categories of data"), "choices": BREACH_CATEGORIES},
        "people_affected": {"label": _l("People affected"), "validators": [Optional(), NumberRange(min=0)]},
        "authority_notified_at": {"label": _l("Authority notified at"),
                                  "description": _l("The authority must be told within 72 hours of discovery.")},
        "people_notified_at": {"label": _l("People notified at")},
    }

    def on_form_prefill(self, form, id):
        for name in _LOCAL_DATETIMES:
            field = getattr(form, name)
            if field.data is not None and field.data.tzinfo is not None:
                field.data = to_local(field.data).replace(tzinfo=None)

    def on_model_change(self, form, model, is_created):
        # The form's times are local wall-clock times.
        for name in _LOCAL_DATETIMES:
            value = getattr(form, name).data
            if value is not None and value.tzinfo is None:
                setattr(model, name, value.replace(tzinfo=local_zone()))
        model.people_affected = model.people_affected or 0
        model.categories = list(form.categories.data or [])
        if is_created:
            model.created_by_id = current_user.id


class SubjectExportView(SecureView):
    """Everything held on one person, as a printable page and a JSON file (PDPL right of access)."""

    roles_read = ADMIN_OFFICER
    home_actions = {"export": (_l("export"), ADMIN_OFFICER)}

    @expose("/", methods=("GET", "POST"))
    def index(self):
        error = None
        if request.method == "POST":  # CSRF checked globally
            wanted = normalize_digits((request.form.get("national_id") or "").strip())
            beneficiary = db.session.scalar(select(Beneficiary).where(Beneficiary.national_id == wanted)) \
                if wanted else None
            if beneficiary is None:
                error = _("No beneficiary has this national ID.")
            else:
                return redirect(url_for(".show", beneficiary_id=beneficiary.id))
        return self.render("admin/privacy/export_search.html", error=error)

    def _beneficiary(self, beneficiary_id: int) -> Beneficiary:
        beneficiary = db.session.get(Beneficiary, beneficiary_id)
        if beneficiary is None:
            abort(404)
        return beneficiary

    @expose("/<int:beneficiary_id>/")
    def show(self, beneficiary_id: int):
        beneficiary = self._beneficiary(beneficiary_id)
        data = subject_export(beneficiary)
        record_access("export", "beneficiary", beneficiary.id, note="personal data export (html)")
        return self.render("admin/privacy/export.html", data=data, b=data["beneficiary"],
                           beneficiary_id=beneficiary.id, generated=local_today())

    @expose("/<int:beneficiary_id>.json")
    def json_file(self, beneficiary_id: int):
        beneficiary = self._beneficiary(beneficiary_id)
        data = subject_export(beneficiary)
        record_access("export", "beneficiary", beneficiary.id, note="personal data export (json)")
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        name = f"personal-data-{beneficiary.id}.json"
        return Response(body, mimetype="application/json; charset=utf-8", headers={
            "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quote(name)}"})


class RetentionView(SecureView):
    """Administrators set how long closed files are kept, and preview what the retention job would do."""

    roles_read = ADMIN_ONLY
    home_actions = {"edit": (_l("edit"), ADMIN_ONLY)}

    @expose("/", methods=("GET", "POST"))
    def index(self):
        from models.organisation import OrganisationProfile
        from workflow.privacy import retention_candidates, retention_cutoff, retention_years

        error = None
        if request.method == "POST":  # CSRF checked globally
            raw = (request.form.get("retention_years") or "").strip()
            value = normalize_digits(raw) if "-" not in raw and "\u2212" not in raw else ""
            if not (value.isascii() and value.isdigit()) or not 0 <= int(value) <= 100:
                error = _("Enter a whole number of years between 0 and 100.")
            else:
                profile = db.session.get(OrganisationProfile, 1)
                if profile is None:
                    profile = OrganisationProfile(id=1)
                    db.session.add(profile)
                profile.retention_years = int(value)
                db.session.commit()
                flash(_("Retention period saved."), "success")
                return redirect(url_for(".index"))
        years = retention_years()
        candidates = retention_candidates(years) if years else []
        return self.render("admin/privacy/retention.html", years=years, error=error, count=len(candidates),
                           cutoff=to_local(retention_cutoff(years)).date() if years else None)
