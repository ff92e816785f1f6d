"""“My referrals”: the specialist's queue (oldest first) and the research form."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import LinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from admin_views.applications import ApplicationAdmin, due_cell, status_badge
from admin_views.base import SecureModelView
from extensions import db
from forms.workflow import ResearchForm
from models.application import Application, Status
from workflow import state_machine as sm
from workflow.dates import dual_date
from workflow.errors import ConcurrentChange, WorkflowError
from workflow.roles import Role
from workflow.storage import save_upload

SPECIALIST = frozenset({Role.SPECIALIST})


class ReferralAdmin(SecureModelView):
    roles_read = SPECIALIST
    roles_create = roles_edit = roles_delete = roles_export = frozenset()
    home_actions = {"research": (_l("record research"), SPECIALIST)}

    column_list = ("reference", "beneficiary", "service_type", "referred", "received_at", "decision_due")
    column_default_sort = ("received_at", False)
    column_sortable_list = ("reference", "received_at", "decision_due")
    column_labels = {
        "reference": _l("Reference"), "beneficiary": _l("Beneficiary"), "service_type": _l("Service"),
        "received_at": _l("Received"), "decision_due": _l("Decision due"), "referred": _l("Referral"),
    }
    column_formatters = {
        "received_at": lambda v, c, m, n: dual_date(m.received_at),
        "decision_due": lambda v, c, m, n: due_cell(m),
        "referred": lambda v, c, m, n: (sm.open_research(m).referral_reason if sm.open_research(m) else ""),
    }
    can_view_details = False
    column_extra_row_actions = [
        LinkRowAction("fa fa-pencil-square-o", "research/?id={row_id}", title=_l("Record the research")),
    ]

    def _scope(self, query):
        return query.filter(Application.assigned_specialist_id == current_user.id,
                            Application.status == Status.WITH_SPECIALIST)

    def get_query(self):
        return self._scope(super().get_query()).options(selectinload(Application.research))

    def get_count_query(self):
        return self._scope(super().get_count_query())

    @expose("/research/", methods=("GET", "POST"))
    def research_view(self):
        application = self.get_one(request.values.get("id", ""))
        if application is None:
            abort(404)
        research = sm.open_research(application)
        form = ResearchForm()
        form.mechanism.choices = [("", _("Choose…"))] + list(sm.RESEARCH_MECHANISMS.items())
        form.recommendation.choices = list(sm.RECOMMENDATIONS.items())
        if request.method == "GET":
            form.version.data = str(application.version)
            form.conducted_on.data = date.today()
        if request.method == "POST" and form.validate_on_submit():
            try:
                if form.version.data and form.version.data != str(application.version):
                    raise ConcurrentChange(_l("Request %(reference)s was changed by someone else a moment ago. "
                                              "Reload the page to see its current state.",
                                              reference=application.reference))
                actor = current_user._get_current_object()
                stored = []
                for upload in form.attachments.data or []:
                    if upload and upload.filename:
                        try:
                            stored.append(save_upload(upload, actor))
                        except ValueError as exc:
                            raise WorkflowError(f"{upload.filename}: {exc}")
                sm.submit_research(application, actor, mechanism=form.mechanism.data,
                                   conducted_on=form.conducted_on.data, findings=form.findings.data,
                                   household_situation=form.household_situation.data,
                                   recommendation=form.recommendation.data, attachments=stored)
                db.session.commit()
            except WorkflowError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                flash(_("Research on %(reference)s submitted; the request is back with the officer.",
                        reference=application.reference), "success")
                return redirect(url_for(".index_view"))
        return self.render("admin/application/research.html", form=form, application=application,
                           research=research, status_badge=status_badge, due_cell=due_cell(application))


__all__ = ["ReferralAdmin", "ApplicationAdmin"]
