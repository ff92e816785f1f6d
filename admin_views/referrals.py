"""“My referrals”: the specialist's queue (oldest first) and the research form."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from admin_views.applications import ApplicationAdmin, due_cell, status_badge
from admin_views.base import SecureModelView
from extensions import db
from forms.workflow import ResearchForm
from models.application import Application, Status
from models.types import utcnow
from workflow import state_machine as sm
from workflow.dates import dual_date, to_local
from workflow.errors import ConcurrentChange, WorkflowError
from workflow.roles import Role
from workflow.storage import save_upload

SPECIALIST = frozenset({Role.SPECIALIST})


def _still_to_record(application) -> str:
    asked = [r.mechanism for r in sm.open_researches(application) if r.mechanism]
    return _(", ").join(str(sm.RESEARCH_MECHANISMS[m]) for m in asked) if asked else _("As you choose")


class ReferralAdmin(SecureModelView):
    roles_read = SPECIALIST
    roles_create = roles_edit = roles_delete = roles_export = frozenset()
    home_actions = {"research": (_l("record research"), SPECIALIST)}

    column_list = ("reference", "beneficiary", "service_type", "referred", "asked", "received_at", "decision_due",
                   "record")
    column_default_sort = ("received_at", False)
    column_sortable_list = ("reference", "received_at", "decision_due")
    column_labels = {
        "reference": _l("Reference"), "beneficiary": _l("Beneficiary"), "service_type": _l("Service"),
        "received_at": _l("Received"), "decision_due": _l("Decision due"), "referred": _l("Referral"),
        "asked": _l("Research still to record"), "record": _l("Research"),
    }
    column_formatters = {
        "received_at": lambda v, c, m, n: dual_date(m.received_at),
        "decision_due": lambda v, c, m, n: due_cell(m),
        "referred": lambda v, c, m, n: (sm.open_research(m).referral_reason if sm.open_research(m) else ""),
        "asked": lambda v, c, m, n: _still_to_record(m),
        # A clear button on each row (it was a small pencil icon among the row actions).
        "record": lambda v, c, m, n: Markup('<a class="btn btn-primary btn-sm text-nowrap record-research" '
                                            'href="{}">{}</a>').format(url_for(".research_view", id=m.id),
                                                                       _("Record research")),
    }
    can_view_details = False

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
        # Only the mechanisms the referral still waits for (all of them when it named none).
        asked = [r.mechanism for r in sm.open_researches(application)]
        offered = [(k, v) for k, v in sm.RESEARCH_MECHANISMS.items() if "" in asked or k in asked]
        form.mechanism.choices = [("", _("Choose…"))] + offered
        form.recommendation.choices = list(sm.RECOMMENDATIONS.items())
        if request.method == "GET":
            form.version.data = str(application.version)
            form.conducted_on.data = to_local(utcnow()).date()  # today in the organisation's time zone
            if len(offered) == 1:
                form.mechanism.data = offered[0][0]
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
                left = [r.mechanism for r in sm.open_researches(application)]
                if left:
                    flash(_("Recorded. Still to record for %(reference)s: %(left)s.", reference=application.reference,
                            left=_(", ").join(str(sm.RESEARCH_MECHANISMS.get(m, m)) for m in left if m)
                            or _("As you choose")), "success")
                    return redirect(url_for(".research_view", id=application.id))
                flash(_("Research on %(reference)s submitted; the request is back with the officer.",
                        reference=application.reference), "success")
                return redirect(url_for(".index_view"))
        return self.render("admin/application/research.html", form=form, application=application,
                           research=research, status_badge=status_badge, due_cell=due_cell(application),
                           still_to_record=_still_to_record(application))


__all__ = ["ReferralAdmin", "ApplicationAdmin"]
