"""/admin/improvementaction/: decisions and recommendations taken on satisfaction results."""
from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.validators import DataRequired, ValidationError

from admin_views.base import SecureModelView
from extensions import db
from models.improvement import ActionKind, ActionStatus
from models.user import User
from workflow import improvement as rules
from workflow.dates import dual_date
from workflow.errors import WorkflowError
from workflow.reports import local_today
from workflow.roles import ADMIN_OFFICER, ADMIN_ONLY, REPORT_ROLES


def _day(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _owners():
    return db.session.query(User).filter(User.active.is_(True)).order_by(User.full_name)


class ImprovementActionAdmin(SecureModelView):
    roles_read = roles_export = REPORT_ROLES
    roles_create = roles_edit = ADMIN_OFFICER
    roles_delete = ADMIN_ONLY

    column_list = ("id", "finding", "kind", "decision", "service_type", "question", "owner", "due_on", "status",
                   "completed_on")
    column_details_list = ("id", "period_start", "period_end", "service_type", "question", "finding", "kind",
                           "decision", "owner", "due_on", "status", "result", "completed_on", "created_at",
                           "created_by")
    column_default_sort = ("due_on", False)
    column_sortable_list = ("id", "due_on", "completed_on", "status")
    column_filters = ("status", "kind", "due_on", "completed_on")
    column_searchable_list = ("finding", "decision")
    list_eager_load = ("owner", "service_type", "question")
    details_eager_load = ("owner", "service_type", "question", "created_by")
    column_labels = {
        "id": _l("No."), "period_start": _l("Survey period from"), "period_end": _l("Survey period to"),
        "service_type": _l("Service type"), "question": _l("Question"), "finding": _l("Finding"),
        "kind": _l("Decision or recommendation"), "decision": _l("What was decided or recommended"),
        "owner": _l("Owner"), "due_on": _l("Due on"), "status": _l("Status"), "result": _l("What was done"),
        "completed_on": _l("Completed on"), "created_at": _l("Recorded at"), "created_by": _l("Recorded by"),
    }
    column_formatters = {
        "kind": lambda v, c, m, n: rules.KIND_LABELS.get(m.kind, m.kind),
        "status": lambda v, c, m, n: rules.STATUS_LABELS.get(m.status, m.status),
        "owner": lambda v, c, m, n: m.owner.full_name if m.owner else "",
        "created_by": lambda v, c, m, n: m.created_by.full_name if m.created_by else "",
    }
    column_formatters_export = {
        "kind": lambda v, c, m, n: str(rules.KIND_LABELS.get(m.kind, m.kind)),
        "status": lambda v, c, m, n: str(rules.STATUS_LABELS.get(m.status, m.status)),
        "owner": lambda v, c, m, n: m.owner.full_name if m.owner else "",
        "service_type": lambda v, c, m, n: str(m.service_type) if m.service_type else "",
        "question": lambda v, c, m, n: str(m.question) if m.question else "",
        "due_on": lambda v, c, m, n: dual_date(m.due_on) if m.due_on else "",
        "completed_on": lambda v, c, m, n: dual_date(m.completed_on) if m.completed_on else "",
    }
    form_columns = ("period_start", "period_end", "service_type", "question", "finding", "kind", "decision",
                    "owner", "due_on", "status", "result")
    form_overrides = {"kind": SelectField, "status": SelectField}
    form_args = {
        "kind": {"label": _l("Decision or recommendation"), "choices": list(rules.KIND_LABELS.items()),
                 "validators": [DataRequired()], "default": ActionKind.DECISION},
        "status": {"label": _l("Status"), "choices": list(rules.STATUS_LABELS.items()),
                   "validators": [DataRequired()], "default": ActionStatus.PLANNED},
        "finding": {"label": _l("Finding"), "validators": [DataRequired()],
                    "description": _l("What the survey results show (for example a low average on one question).")},
        "decision": {"label": _l("What was decided or recommended"), "validators": [DataRequired()]},
        "owner": {"label": _l("Owner"), "query_factory": _owners},
        "result": {"label": _l("What was done"), "description": _l("Required when the action is done.")},
        "period_start": {"label": _l("Survey period from")}, "period_end": {"label": _l("Survey period to")},
        "service_type": {"label": _l("Service type")}, "question": {"label": _l("Question")},
        "due_on": {"label": _l("Due on")},
    }
    form_widget_args = {"finding": {"rows": 3}, "decision": {"rows": 3}, "result": {"rows": 3}}
    auto_ajax_refs = False

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            # "Start an action" from a question on the satisfaction results page.
            question_id = request.args.get("question_id", type=int)
            service_type_id = request.args.get("service_type_id", type=int)
            start, end = _day(request.args.get("start")), _day(request.args.get("end"))
            prefill = rules.question_finding(question_id, service_type_id, start, end) if question_id else {}
            if prefill:
                form.question.data = prefill["question"]
                form.service_type.data = prefill["service_type"]
                form.period_start.data, form.period_end.data = start, end
                form.finding.data = prefill["finding"]
        return form

    def on_model_change(self, form, model, is_created):
        try:
            rules.check_action(model, local_today())
        except WorkflowError as exc:
            raise ValidationError(str(exc)) from None
        if is_created:
            model.created_by_id = current_user.id
