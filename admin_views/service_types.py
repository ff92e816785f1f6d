"""Service types (admin only): period, cool-down, documents, mechanisms and
eligibility criteria (criteria are data, edited inline)."""
from __future__ import annotations

from flask_admin.model.form import InlineFormAdmin
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import NumberRange, Optional, ValidationError

from admin_views.base import SecureModelView
from models.service import EligibilityCriterion, VerificationMechanism
from workflow.eligibility import FIELDS, OPERATORS, validate_criterion
from workflow.roles import ADMIN_ONLY
from workflow.state_machine import MECHANISM_LABELS


def _field_choices():
    return [(f.key, f.label) for f in FIELDS.values()]


def _operator_choices():
    return list(OPERATORS.items())


class CriterionInline(InlineFormAdmin):
    form_columns = ("id", "field", "operator", "value", "explanation_ar", "explanation_en", "sort_order")
    form_label = _l("Eligibility criterion")
    column_labels = {
        "field": _l("Field"), "operator": _l("Operator"), "value": _l("Value"),
        "explanation_ar": _l("Explanation (Arabic)"), "explanation_en": _l("Explanation (English)"),
        "sort_order": _l("Order"),
    }
    form_overrides = {"field": SelectField, "operator": SelectField}
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
