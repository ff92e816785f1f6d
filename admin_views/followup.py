"""/admin/followup/ (planned contacts after delivery, outcome recording) and the periodic
follow-up report /admin/followup-report/ (page, print, CSV/XLSX)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import ValidationError

from admin_views.base import SecureModelView, SecureView
from extensions import db
from forms.followup import FollowUpOutcomeForm
from models.followup import FollowUp, FollowUpMethod, FollowUpResult
from models.user import User
from workflow import followup as rules
from workflow.audit import record_access
from workflow.dates import days_left_text, dual_date, overdue_text
from workflow.errors import WorkflowError
from workflow.policy_templates import get_profile
from workflow.reports import ReportFilter, filter_choices, local_today
from workflow.roles import ADMIN_OFFICER, REPORT_ROLES


ASSIGNABLE_ROLES = sorted(r.value for r in ADMIN_OFFICER)


def staff_query():
    """Who can be given follow-ups and complaints: active administrators and officers."""
    return (db.session.query(User).filter(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
            .order_by(User.full_name))


def assignable(user) -> bool:
    """Whether a chosen staff member is one staff_query offers (a stale form may name another)."""
    return user.active and user.role in ASSIGNABLE_ROLES


def _due_cell(view, context, model, name):
    if model.done_at is not None:
        return dual_date(model.due_on)
    left = (model.due_on - local_today()).days
    if left < 0:
        badge = Markup('<span class="badge badge-danger followup-overdue">{}</span>').format(overdue_text(-left))
    else:
        badge = Markup('<span class="badge badge-light">{}</span>').format(days_left_text(left))
    return Markup("{} {}").format(dual_date(model.due_on), badge)


def _done_cell(view, context, model, name):
    if model.done_at is not None:
        return dual_date(model.done_at)
    if not view.can_edit:
        return ""
    return Markup('<a class="btn btn-sm btn-primary record-outcome" href="{}">{}</a>').format(
        url_for(".record_view", id=model.id), _("Record outcome"))


def _application_cell(view, context, model, name):
    a = model.application
    return Markup('<span class="ltr">{}</span>').format(a.reference) if a else ""


ARG_FILTERS = {
    "overdue": lambda today: rules.overdue_clause(today),
    "open": lambda today: FollowUp.done_at.is_(None),
    "done": lambda today: FollowUp.done_at.is_not(None),
}


class FollowUpAdmin(SecureModelView):
    roles_read = roles_edit = roles_export = ADMIN_OFFICER
    roles_create = frozenset()  # planned by the delivery itself (workflow/followup.py)
    roles_delete = frozenset()  # a follow-up is a record of care: reassign or record it, never delete
    audit_reads = True
    list_template = "admin/followup/list.html"
    details_template = "admin/followup/details.html"

    column_list = ("application", "beneficiary", "service", "sequence", "due_on", "officer", "method", "result",
                   "done_at")
    column_details_list = ("application", "beneficiary", "service", "sequence", "due_on", "officer", "method",
                           "result", "outcome", "next_step", "done_at", "done_by", "created_at")
    column_export_list = ("application", "beneficiary", "service", "sequence", "due_on", "officer", "method",
                          "result", "outcome", "next_step", "done_at")
    column_sortable_list = ("due_on", "sequence", "done_at")
    column_default_sort = ("due_on", False)
    column_filters = ("due_on", "done_at", "method", "result")
    list_eager_load = ("application", "officer")
    details_eager_load = ("application", "officer", "done_by")
    column_labels = {
        "application": _l("Request"), "beneficiary": _l("Beneficiary"), "service": _l("Service type"),
        "sequence": _l("Follow-up no."), "due_on": _l("Due on"), "officer": _l("Officer"), "method": _l("Method"),
        "result": _l("Result"), "outcome": _l("What the follow-up found"), "next_step": _l("Next step"),
        "done_at": _l("Recorded at"), "done_by": _l("Recorded by"), "created_at": _l("Planned at"),
    }
    column_formatters = {
        "application": _application_cell,
        "beneficiary": lambda v, c, m, n: m.application.applicant if m.application else "",
        "service": lambda v, c, m, n: str(m.application.service_type) if m.application else "",
        "due_on": _due_cell,
        "done_at": _done_cell,
        "officer": lambda v, c, m, n: m.officer.full_name if m.officer else "",
        "done_by": lambda v, c, m, n: m.done_by.full_name if m.done_by else "",
        "method": lambda v, c, m, n: rules.METHOD_LABELS.get(m.method, m.method) if m.done_at else "",
        "result": lambda v, c, m, n: rules.RESULT_LABELS.get(m.result, m.result),
    }
    column_formatters_detail = {**column_formatters, "done_at": lambda v, c, m, n: dual_date(m.done_at, True)
                                if m.done_at else ""}
    column_formatters_export = {
        "application": lambda v, c, m, n: m.application.reference if m.application else "",
        "beneficiary": lambda v, c, m, n: m.application.applicant if m.application else "",
        "service": lambda v, c, m, n: str(m.application.service_type) if m.application else "",
        "officer": lambda v, c, m, n: m.officer.full_name if m.officer else "",
        "method": lambda v, c, m, n: str(rules.METHOD_LABELS.get(m.method, m.method)) if m.done_at else "",
        "result": lambda v, c, m, n: str(rules.RESULT_LABELS.get(m.result, m.result)),
        "due_on": lambda v, c, m, n: dual_date(m.due_on),
        "done_at": lambda v, c, m, n: dual_date(m.done_at, True) if m.done_at else "",
    }
    # Editing reassigns an open follow-up or moves its date; the outcome has its own form.
    form_columns = ("officer", "due_on")
    form_args = {"officer": {"label": _l("Officer"), "query_factory": staff_query},
                 "due_on": {"label": _l("Due on")}}
    auto_ajax_refs = False

    def _arg_conditions(self):
        today = local_today()
        conditions = [make(today) for name, make in ARG_FILTERS.items() if request.args.get(name) == "1"]
        if request.args.get("mine") == "1":
            conditions.append(FollowUp.officer_id == current_user.id)
        return conditions

    def get_query(self):
        return super().get_query().filter(*self._arg_conditions())

    def get_count_query(self):
        return super().get_count_query().filter(*self._arg_conditions())

    def on_model_change(self, form, model, is_created):
        if model.done_at is not None:
            raise ValidationError(_("A recorded follow-up cannot be reassigned or moved."))
        if model.officer is not None and not assignable(model.officer):
            raise ValidationError(_("Choose an active officer."))

    @expose("/record/", methods=("GET", "POST"))
    def record_view(self):
        if not self.can_edit:
            abort(403)
        follow_up = self.get_one(request.args.get("id", ""))
        if follow_up is None:
            abort(404)
        form = FollowUpOutcomeForm()
        if request.method == "GET" and not form.method.data:
            form.method.data = follow_up.method or FollowUpMethod.CALL
        if request.method == "POST" and form.validate_on_submit():
            try:
                rules.record_outcome(follow_up, current_user._get_current_object(), method=form.method.data,
                                     result=form.result.data, outcome=form.outcome.data,
                                     next_step=form.next_step.data or "")
                db.session.commit()
            except WorkflowError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return redirect(url_for(".details_view", id=follow_up.id))
            flash(_("The follow-up was recorded."), "success")
            return redirect(url_for(".index_view", open=1, mine=1))
        status = 400 if request.method == "POST" else 200
        return self.render("admin/followup/record.html", form=form, follow_up=follow_up), status


# -- the periodic report --------------------------------------------------------------
def report_table(data) -> dict:
    """The report as one table (page, print and exports draw the same rows)."""
    label = str(rules.GROUPINGS[data["group"]][2])
    headers = [label, _("Requests served"), _("Follow-ups due"), _("Follow-ups done"), _("Beneficiaries followed up"),
               _("Overdue now"), *[str(rules.RESULT_LABELS[r]) for r in FollowUpResult.ALL],
               _("Average satisfaction (1–5)"), _("Survey responses")]

    def line(name, r):
        return [name, r["served"], r["due"], r["done"], r["reached"], r["overdue"],
                *[r["results"][res] for res in FollowUpResult.ALL],
                "" if r["satisfaction"] is None else r["satisfaction"], r["responses"]]

    rows = [line(r["name"] or _("Not recorded"), r) for r in data["rows"]]
    rows.append(line(_("Total"), data["total"]))
    return {"key": "followup", "title": _("Follow-up of served beneficiaries"), "headers": headers, "rows": rows}


class FollowUpReportView(SecureView):
    roles_read = REPORT_ROLES

    def _context(self):
        rf = ReportFilter.from_args(request.args)
        group = request.args.get("group") if request.args.get("group") in rules.GROUPINGS else "service_type"
        data = rules.report(rf, local_today(), group=group)
        return rf, data, report_table(data), filter_choices()

    @expose("/")
    def index(self):
        rf, data, table, choices = self._context()
        args = rf.as_args()
        if data["group"] != "service_type":
            args["group"] = data["group"]
        return self.render("admin/followup/report.html", rf=rf, table=table, choices=choices, group=data["group"],
                           groupings=rules.GROUPINGS, export_args=args)

    @expose("/print")
    def print_view(self):
        rf, _data, table, choices = self._context()
        from admin_views.reports import filter_rows

        record_access("export", "report", "followup", note=f"print {rf.describe()}")
        return self.render("print/followup_report.html", table=table, profile=get_profile(create=False),
                           filters=filter_rows(rf, choices), today=local_today())

    @expose("/export.<fmt>")
    def export(self, fmt: str):
        from flask_babel import get_locale

        from admin_views.reports import _csv, _xlsx, filter_rows

        if fmt not in ("csv", "xlsx"):
            abort(404)
        rf, _data, table, choices = self._context()
        record_access("export", "report", "followup", note=f"{fmt} {rf.describe()}")
        header = [[_("Report"), table["title"]], *filter_rows(rf, choices)]
        if fmt == "csv":
            body, mime = _csv([table], header), "text/csv; charset=utf-8"
        else:
            body = _xlsx([table], header, str(get_locale() or "ar") == "ar")
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"{table['title']}.{fmt}"
        return Response(body, mimetype=mime, headers={
            "Content-Disposition": f"attachment; filename=followup-report.{fmt}; filename*=UTF-8''{quote(name)}"})
