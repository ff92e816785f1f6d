"""Service types (admin only): period, cool-down, documents, mechanisms and
eligibility criteria (criteria are data, edited inline)."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload
import json

from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.widgets import TextInput
from wtforms.validators import NumberRange, Optional, ValidationError

from admin_views.base import SecureModelView, SecureView
from admin_views.branches import branch_options
from extensions import db
from models.service import EligibilityCriterion, ServiceType, VerificationMechanism
from workflow import outreach
from workflow.audit import record_access
from workflow.dates import dual_date
from workflow.eligibility import FIELDS, OPERATORS, validate_criterion, value_choices
from workflow.roles import ADMIN_OFFICER, ADMIN_ONLY
from workflow.spreadsheet import escape_formula
from workflow.state_machine import MECHANISM_LABELS


def _field_choices():
    return [(f.key, f.label) for f in FIELDS.values()]


def _operator_choices():
    return list(OPERATORS.items())


class CriterionValueInput(TextInput):
    """The value box carries the fields' own values (in the reader's language): static/js/criteria.js
    turns it into a list for those fields, so nobody types «male» or «married». Without
    JavaScript it stays a text box taking the codes."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("data-criterion-choices", json.dumps(value_choices(), ensure_ascii=False))
        kwargs.setdefault("dir", "auto")
        return super().__call__(field, **kwargs)


class CriterionValueField(StringField):
    widget = CriterionValueInput()


class CriterionInline(InlineFormAdmin):
    form_columns = ("id", "field", "operator", "value", "explanation_ar", "explanation_en", "sort_order")
    form_label = _l("Eligibility criterion")
    column_labels = {
        "field": _l("Field"), "operator": _l("Operator"), "value": _l("Value"),
        "explanation_ar": _l("Explanation (Arabic)"), "explanation_en": _l("Explanation (English)"),
        "sort_order": _l("Order"),
    }
    form_overrides = {"field": SelectField, "operator": SelectField, "value": CriterionValueField}
    form_args = {
        "field": {"choices": _field_choices, "label": _l("Field")},
        "operator": {"choices": _operator_choices, "label": _l("Operator")},
        "value": {"label": _l("Value"),
                  "description": _l("A number, a text, yes/no, or a comma-separated list for “one of”.")},
        "explanation_ar": {"label": _l("Explanation (Arabic)")},
        "explanation_en": {"label": _l("Explanation (English)")},
        "sort_order": {"label": _l("Order")},
    }


def _mechanisms(view, context, model, name):
    return ", ".join(str(MECHANISM_LABELS.get(m, m)) for m in model.verification_mechanisms or [])


def _criteria(view, context, model, name):
    rows = [escape(c.explanation_ar or str(c)) for c in model.criteria]
    return Markup("<br>").join(rows)


class ServiceTypeAdmin(SecureModelView):
    roles_read = roles_create = roles_edit = roles_export = ADMIN_ONLY
    roles_delete = frozenset()  # requests point at their service type: deactivate instead
    # Outreach (/admin/servicetype/<id>/eligible): officers reach out too, though only admins configure.
    endpoint_roles = {"eligible_view": ADMIN_OFFICER}

    column_auto_select_related = False  # collections are selectin-loaded in get_query()
    column_list = ("name_ar", "name_en", "active", "decision_period_days", "cooldown_days",
                   "verification_mechanisms", "criteria")
    column_details_list = ("name_ar", "name_en", "description", "active", "decision_period_days", "cooldown_days",
                           "follow_up_after_days", "follow_up_every_days", "follow_up_times",
                           "verification_mechanisms", "required_document_types", "criteria")
    column_searchable_list = ("name_ar", "name_en")
    column_filters = ("active",)
    column_labels = {
        "name_ar": _l("Name (Arabic)"), "name_en": _l("Name (English)"), "description": _l("Description"),
        "active": _l("Active"), "decision_period_days": _l("Decision period (days)"),
        "cooldown_days": _l("Cool-down (days)"), "verification_mechanisms": _l("Verification mechanisms"),
        "required_document_types": _l("Required documents"), "criteria": _l("Eligibility criteria"),
        "follow_up_after_days": _l("First follow-up, days after delivery"),
        "follow_up_every_days": _l("Then every (days)"), "follow_up_times": _l("Number of follow-ups"),
    }
    column_formatters = {"verification_mechanisms": _mechanisms, "criteria": _criteria,
                         "decision_period_days": lambda v, c, m, n: m.decision_period_days or _l("default")}
    column_formatters_export = {"verification_mechanisms": _mechanisms,
                                "criteria": lambda v, c, m, n: "; ".join(str(x) for x in m.criteria)}
    form_columns = ("name_ar", "name_en", "description", "active", "decision_period_days", "cooldown_days",
                    "follow_up_after_days", "follow_up_every_days", "follow_up_times",
                    "verification_mechanisms", "required_document_types", "criteria")
    form_overrides = {"verification_mechanisms": SelectMultipleField}
    form_args = {
        "verification_mechanisms": {
            "choices": lambda: [(m, MECHANISM_LABELS[m]) for m in VerificationMechanism.ALL],
            "label": _l("Verification mechanisms"),
            "description": _l("Personal interview and field visit need the specialist's research before "
                              "the committee."),
        },
        "decision_period_days": {
            "validators": [Optional(), NumberRange(min=1, max=365)],
            "description": _l("Days from receipt to the committee's answer. Empty: the organisation's default."),
        },
        "cooldown_days": {
            "validators": [Optional(), NumberRange(min=0, max=3650)],
            "description": _l("Days before the same beneficiary can receive this service again (0: none)."),
        },
        "required_document_types": {"label": _l("Required documents")},
        # Follow-up after delivery (workflow/followup.py).
        "follow_up_after_days": {"label": _l("First follow-up, days after delivery"),
                                 "validators": [Optional(), NumberRange(min=0, max=3650)]},
        "follow_up_every_days": {"label": _l("Then every (days)"),
                                 "validators": [Optional(), NumberRange(min=0, max=3650)]},
        "follow_up_times": {"label": _l("Number of follow-ups"), "validators": [Optional(), NumberRange(min=0, max=24)],
                            "description": _l("Empty: the organisation's schedule. 0: no follow-up for this service.")},
    }
    inline_models = (CriterionInline(EligibilityCriterion),)

    @expose("/<int:service_type_id>/eligible", methods=("GET", "POST"))
    def eligible_view(self, service_type_id: int):
        """Outreach: the beneficiaries whose recorded data meets this service's conditions."""
        return _eligible_page(self, service_type_id)

    @property
    def extra_js(self):
        return [url_for("static", filename="js/criteria.js")]

    @extra_js.setter
    def extra_js(self, value):
        pass

    def get_query(self):
        return super().get_query().options(selectinload(self.model.criteria))

    def on_model_change(self, form, model, is_created):
        model.verification_mechanisms = [m for m in (model.verification_mechanisms or [])
                                         if m in VerificationMechanism.ALL]
        if model.cooldown_days is None:
            model.cooldown_days = 0
        from workflow.errors import WorkflowError
        from workflow.followup import validate_schedule

        try:
            validate_schedule(model.follow_up_after_days, model.follow_up_every_days, model.follow_up_times)
        except WorkflowError as exc:
            raise ValidationError(str(exc)) from None
        for criterion in model.criteria:
            try:
                validate_criterion(criterion.field, criterion.operator, criterion.value)
            except ValueError as exc:
                raise ValidationError(f"{criterion.explanation_ar or criterion}: {exc}")


# -- outreach: eligible beneficiaries who have not asked yet ------------------------------
def _eligible_rows(found) -> list[list]:
    return [[b.full_name, b.national_id, b.phone, b.city, b.branch.name if b.branch else _("Head office")]
            for b in found.eligible]


def _eligible_csv(service_type, found) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Full name"), _("National ID / iqama"), _("Mobile"), _("City"), _("Branch")])
    for row in _eligible_rows(found):
        writer.writerow([escape_formula(v) for v in row])
    name = f"{_('Eligible beneficiaries')}-{service_type.name_ar}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=eligible.csv; filename*=UTF-8''{quote(name)}"})


def _eligible_page(view, service_type_id: int):
    service_type = db.session.get(ServiceType, service_type_id)
    if service_type is None or not service_type.active:
        abort(404)
    me = current_user._get_current_object()
    if request.method == "POST":  # CSRF-checked like every POST
        ids = request.form.getlist("rowid")
        step = request.form.get("step")
        if step not in ("open_requests", "invite") or not ids:
            flash(_("Choose at least one beneficiary and an action."), "error")
        else:
            try:
                done = (outreach.open_requests if step == "open_requests" else outreach.invite)(service_type, ids, me)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            if step == "open_requests":
                flash(_("%(n)d requests opened (channel: outreach): %(refs)s", n=len(done),
                        refs="، ".join(a.reference for a in done)), "success" if done else "warning")
            else:
                flash(_("%(n)d invitations recorded as outgoing communications.", n=len(done)),
                      "success" if done else "warning")
            skipped = len(set(ids)) - len(done)
            if skipped > 0:
                flash(_("%(n)d of the selected are no longer eligible or already have a request; nothing was "
                        "done for them.", n=skipped), "warning")
        return redirect(url_for(".eligible_view", service_type_id=service_type.id,
                                branch=request.form.get("branch", ""), city=request.form.get("city", "")))
    branch = (request.args.get("branch") or "").strip()
    city = (request.args.get("city") or "").strip()[:60]
    found = outreach.eligible_beneficiaries(service_type, branch=branch, city=city, user=me)
    if request.args.get("export") == "csv":
        record_access("export", "beneficiary", note=f"outreach {service_type.id} branch={branch} n={len(found.eligible)}")
        return _eligible_csv(service_type, found)
    return view.render("admin/outreach/eligible.html", service_type=service_type, found=found, branch=branch,
                       city=city, branch_options=branch_options(), dual_date=dual_date,
                       max_selected=outreach.MAX_SELECTED)


class OutreachView(SecureView):
    """`/admin/outreach/`: the active services, each with the link to its eligible beneficiaries."""

    roles_read = ADMIN_OFFICER

    @expose("/")
    def index(self):
        services = db.session.query(ServiceType).filter(ServiceType.active.is_(True)).options(
            selectinload(ServiceType.criteria)).order_by(ServiceType.name_ar).all()
        return self.render("admin/outreach/index.html", services=services)
