"""Service requests: the list, the details page with its buttons, the small forms
for actions that need input, and the decision letter.

Every change goes through workflow.state_machine; this module only reads
requests, checks the form, calls the function and reports the result.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import false, select
from wtforms.validators import DataRequired

from admin_views.base import SecureModelView, current_role, role_in, row_url
from admin_views.lookups import BeneficiaryLoader
from extensions import db
from forms.workflow import IncompleteForm, NoteForm, ReferForm, WithdrawForm
from models.application import Application, Research, Status
from models.beneficiary import Beneficiary, Communication
from models.committee import AgendaItem, CommitteeSession, Decision
from models.organisation import OrganisationProfile
from models.reference import Channel
from models.service import ServiceType
from models.user import User
from workflow import state_machine as sm
from workflow.applications import days_left, is_overdue, overdue_clause, receive_application, reference_clause
from workflow.checklist import STATUS_LABELS as CHECK_LABELS
from workflow.checklist import item_detail, item_label, missing_items, run_checklist
from workflow.dates import days_left_text, dual_date, dual_date_html, overdue_text
from workflow.errors import ConcurrentChange, WorkflowError
from workflow.roles import ADMIN_OFFICER, ALL, REPORT_ROLES, Role

STATUS_BADGE = {
    Status.RECEIVED: "secondary", Status.INCOMPLETE: "warning", Status.WITH_SPECIALIST: "info",
    Status.VERIFIED: "primary", Status.AWAITING_COMMITTEE: "dark", Status.ACCEPTED: "success",
    Status.REJECTED: "danger", Status.SERVED: "success", Status.CLOSED: "light", Status.WITHDRAWN: "light",
}

INPUT_FORMS = {"mark_incomplete": IncompleteForm, "refer_to_specialist": ReferForm, "withdraw": WithdrawForm}
SIMPLE_ACTIONS = ("verify", "supply", "raise_to_committee", "deliver", "close")


def actor():
    return current_user._get_current_object()


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{} status-{}">{}</span>').format(
        STATUS_BADGE.get(status, "secondary"), status, sm.status_label(status))


def date_cell(value, with_time: bool = False) -> Markup:
    """A date that never breaks across lines (Gregorian + Hijri keep together in RTL)."""
    return dual_date_html(value, with_time=with_time) if value else ""  # .dual-date: white-space nowrap


def due_cell(application: Application) -> Markup:
    text = date_cell(application.decision_due)
    if application.status not in Status.UNDECIDED:
        return Markup(text)
    left = days_left(application)
    if left < 0:
        note = overdue_text(-left)
        return Markup('<span class="overdue">{t}</span><br><span class="badge badge-danger">{n}</span>').format(
            t=text, n=note)
    note = days_left_text(left)
    return Markup('{t}<br><small class="text-muted">{n}</small>').format(t=text, n=note)


def reference_link(view, context, application: Application) -> Markup:
    """The reference opens the request (as the first column does in Django's admin): one link a
    row instead of view and edit icons (editing is a tab of the request's page)."""
    url = row_url(view.get_url, ".details_view", application.id, context.resolve("return_url"))
    return Markup('<a href="{}"><bdi dir="ltr">{}</bdi></a>').format(url, application.reference)


class OverdueFilter(BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        clause = overdue_clause()
        return query.filter(clause if value == "1" else ~clause)

    def operation(self):
        return _l("is")


class BeneficiaryCityFilter(BaseSQLAFilter):
    """Requests of beneficiaries living in a city (typed as stored, e.g. سكاكا).

    A sub-select on the indexed beneficiary.city, not a join: the list keeps its own
    eager loads and the count query stays a single-table count."""

    def apply(self, query, value, alias=None):
        value = (value or "").strip()
        if not value:
            return query
        return query.filter(Application.beneficiary_id.in_(select(Beneficiary.id).where(Beneficiary.city == value)))

    def operation(self):
        return _l("equals")


def _status_options():
    return [(s, sm.status_label(s)) for s in Status.ALL]


class ApplicationAdmin(SecureModelView):
    roles_read = ALL  # specialists see only the requests assigned to them (get_query)
    roles_create = ADMIN_OFFICER
    roles_edit = ADMIN_OFFICER  # notes and description only
    roles_delete = frozenset()  # withdraw instead: the timeline stays
    roles_export = REPORT_ROLES
    action_roles = {"verify": ADMIN_OFFICER, "refer": ADMIN_OFFICER, "raise_to_committee": ADMIN_OFFICER}
    audit_reads = True  # a request is personal data: opening and exporting it is recorded

    details_template = "admin/application/details.html"
    column_list = ("reference", "beneficiary", "service_type", "channel", "status", "received_at", "decision_due")
    column_display_actions = False  # the reference is the row's link (reference_link)
    column_default_sort = ("received_at", True)
    column_sortable_list = ("reference", "status", "received_at", "decision_due")
    column_searchable_list = ("reference",)
    column_filters = (
        FilterEqual(Application.status, _l("Status"), options=_status_options),
        OverdueFilter(Application.decision_due, _l("Overdue"), options=(("1", _l("Yes")), ("0", _l("No")))),
        BeneficiaryCityFilter(Beneficiary.city, _l("City")),
        "received_at", "decision_due",
    )
    column_labels = {
        "reference": _l("Reference"), "beneficiary": _l("Beneficiary"), "service_type": _l("Service"),
        "channel": _l("Channel"), "status": _l("Status"), "received_at": _l("Received"),
        "decision_due": _l("Decision due"), "description": _l("Request"), "notes": _l("Notes"),
        "assigned_specialist": _l("Specialist"), "recommendation": _l("Recommendation"),
        "decided_at": _l("Decided at"), "served_at": _l("Served at"), "closed_at": _l("Closed at"),
        "created_by": _l("Created by"),
    }
    # The summary card above the table shows reference, status, service and dates.
    column_details_list = ("beneficiary", "assigned_specialist", "description", "notes", "created_by",
                           "decided_at", "served_at", "closed_at")
    column_formatters = {
        "status": lambda v, c, m, n: status_badge(m.status),
        "received_at": lambda v, c, m, n: date_cell(m.received_at),
        "decision_due": lambda v, c, m, n: due_cell(m),
        "decided_at": lambda v, c, m, n: date_cell(m.decided_at, with_time=True),
        "served_at": lambda v, c, m, n: date_cell(m.served_at, with_time=True),
        "closed_at": lambda v, c, m, n: date_cell(m.closed_at, with_time=True),
        "recommendation": lambda v, c, m, n: sm.RECOMMENDATIONS.get(m.recommendation, m.recommendation),
        "reference": lambda v, c, m, n: reference_link(v, c, m),
    }
    column_formatters_export = {
        "status": lambda v, c, m, n: sm.status_label(m.status),
        "received_at": lambda v, c, m, n: dual_date(m.received_at, with_time=True),
        "decision_due": lambda v, c, m, n: dual_date(m.decision_due),
        "beneficiary": lambda v, c, m, n: m.beneficiary.full_name,
    }
    form_columns = ("beneficiary", "service_type", "channel", "description", "notes")
    form_args = {
        "beneficiary": {"validators": [DataRequired()], "label": _l("Beneficiary")},
        "service_type": {"validators": [DataRequired()], "label": _l("Service"),
                         "query_factory": lambda: db.session.query(ServiceType).filter(ServiceType.active.is_(True))
                         .order_by(ServiceType.name_ar)},
        "channel": {"label": _l("Channel"),
                    "query_factory": lambda: db.session.query(Channel).filter(Channel.active.is_(True))
                    .order_by(Channel.sort_order, Channel.name_ar)},
        "description": {"label": _l("Request")},
        "notes": {"label": _l("Notes")},
    }
    form_ajax_refs = {
        "beneficiary": BeneficiaryLoader("beneficiary"),
    }

    # -- what each role sees -------------------------------------------
    def _scope(self, query):
        if current_role() == Role.SPECIALIST:
            query = query.filter(Application.assigned_specialist_id == current_user.id)
        return query

    def get_query(self):
        return self._scope(super().get_query())

    def get_count_query(self):
        return self._scope(super().get_count_query())

    # -- search: a reference or its number, from the reference index ----------
    def search_placeholder(self):
        return _("Reference or its number")

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clause = reference_clause(search)
        if clause is None:
            clause = false()  # not a reference: nothing matches (never a scan)
        query = query.filter(clause)
        if count_query is not None:
            count_query = count_query.filter(clause)
        return query, count_query, joins, count_joins

    # -- create / edit ----------------------------------------------------
    def create_model(self, form):
        try:
            application = receive_application(
                form.beneficiary.data, form.service_type.data, form.channel.data, actor=actor(),
                description=form.description.data or "", notes=form.notes.data or "")
            db.session.commit()
        except Exception as exc:  # same contract as Flask-Admin's create_model
            if not self.handle_view_exception(exc):
                flash(_("The request could not be created. Nothing was saved."), "error")
            db.session.rollback()
            return False
        flash(_("Request %(reference)s received. Decision due %(due)s.", reference=application.reference,
                due=dual_date(application.decision_due)), "success")
        return application

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        for name in ("beneficiary", "service_type", "channel"):
            if name in form:
                del form[name]
        return form

    # -- details ------------------------------------------------------------
    def details_context(self, model: Application) -> dict:
        me = actor()
        live = model.status in (Status.RECEIVED, Status.INCOMPLETE) or not model.checklist
        checklist = run_checklist(model) if live and model.status not in Status.FINAL else (model.checklist or [])
        communications = db.session.scalars(select(Communication).where(Communication.application_id == model.id)
                                            .order_by(Communication.at.desc())).all()
        sessions = db.session.scalars(
            select(CommitteeSession).join(AgendaItem, AgendaItem.session_id == CommitteeSession.id)
            .where(AgendaItem.application_id == model.id).order_by(CommitteeSession.held_on)).all()
        return {
            "actions": [t for t in sm.available_actions(model, me) if t.action not in ("submit_research", "decide")],
            "can_research": sm.can("submit_research", model, me) and model.assigned_specialist_id == me.id,
            "can_decide": sm.can("decide", model, me),
            "checklist": checklist, "checklist_live": live, "item_label": item_label, "item_detail": item_detail,
            "check_labels": CHECK_LABELS, "events": model.events, "research": model.research,
            "decisions": model.decisions, "communications": communications, "sessions": sessions,
            "status_badge": status_badge, "event_labels": sm.EVENT_LABELS, "status_label": sm.status_label,
            "mechanisms": sm.RESEARCH_MECHANISMS, "recommendations": sm.RECOMMENDATIONS,
            "outcomes": sm.OUTCOME_LABELS, "overdue": is_overdue(model), "due_cell": due_cell(model),
        }

    # -- actions --------------------------------------------------------------
    def _load(self, ids) -> list[Application]:
        found = []
        for raw in ids:
            raw = str(raw).strip()
            if raw.isdigit():
                record = self.get_one(raw)
                if record is not None:
                    found.append(record)
        return found

    def _run(self, applications, call, versions: dict | None = None) -> tuple[list[str], list[str]]:
        done, refused = [], []
        for application in applications:
            reference = application.reference
            try:
                seen = (versions or {}).get(str(application.id))
                if seen and seen.isdigit() and int(seen) != application.version:
                    raise ConcurrentChange(_l("Request %(reference)s was changed by someone else a moment ago. "
                                              "Reload the page to see its current state.", reference=reference))
                call(application)
                db.session.commit()
                done.append(reference)
            except sm.ChecklistFailed as exc:
                db.session.rollback()
                refused.append(str(exc))
            except WorkflowError as exc:
                db.session.rollback()
                refused.append(str(exc))
        return done, refused

    def _report(self, transition, done, refused) -> None:
        if done:
            flash(_("%(action)s: done for %(refs)s.", action=transition.label, refs="، ".join(done)), "success")
        for message in refused:
            flash(message, "error")

    def _bulk(self, name: str, ids) -> None:
        transition = sm.TRANSITIONS[name]
        function = getattr(sm, name)
        done, refused = self._run(self._load(ids), lambda a: function(a, actor()))
        self._report(transition, done, refused)

    @action("verify", _l("Verify"), _l("Run the checklist and verify the selected requests?"))
    def action_verify(self, ids):
        self._bulk("verify", ids)

    @action("refer", _l("Refer to specialist"))
    def action_refer(self, ids):
        return redirect(url_for(".transition_view", step="refer_to_specialist", ids=",".join(ids)))

    @action("raise_to_committee", _l("Raise to committee"), _l("Raise the selected requests to the committee?"))
    def action_raise_to_committee(self, ids):
        self._bulk("raise_to_committee", ids)

    @expose("/transition/<step>/", methods=("GET", "POST"))
    def transition_view(self, step: str):
        name = step
        if name not in INPUT_FORMS and name not in SIMPLE_ACTIONS:
            abort(404)
        transition = sm.TRANSITIONS[name]
        if not role_in(transition.roles):  # the state machine checks again; this stops the form itself
            abort(403)
        raw_ids = request.values.get("ids", "")
        applications = self._load(raw_ids.split(","))
        if not applications:
            abort(404)
        form_class = INPUT_FORMS.get(name, NoteForm)
        form = form_class()
        if name == "refer_to_specialist":
            specialists = db.session.scalars(select(User).where(User.role == Role.SPECIALIST.value,
                                                                User.active.is_(True)).order_by(User.full_name)).all()
            form.specialist.choices = [(u.id, u.full_name) for u in specialists]
        if request.method == "POST" and form.validate_on_submit():
            versions = dict(p.split(":", 1) for p in (form.versions.data or "").split(",") if ":" in p)
            call = self._caller(name, form)
            done, refused = self._run(applications, call, versions)
            self._report(transition, done, refused)
            if len(applications) == 1:
                return redirect(url_for(".details_view", id=applications[0].id))
            return redirect(url_for(".index_view"))
        if request.method == "GET":
            form.ids.data = ",".join(str(a.id) for a in applications)
            form.versions.data = ",".join(f"{a.id}:{a.version}" for a in applications)
            if name == "mark_incomplete" and len(applications) == 1:
                form.missing.data = "\n".join(applications[0].missing_items or missing_items(run_checklist(applications[0])))
        return self.render("admin/application/transition.html", form=form, transition=transition,
                           applications=applications, status_badge=status_badge,
                           return_url=url_for(".details_view", id=applications[0].id) if len(applications) == 1
                           else url_for(".index_view"))

    def _caller(self, name: str, form):
        if name == "mark_incomplete":
            return lambda a: sm.mark_incomplete(a, actor(), form.missing.data.splitlines())
        if name == "refer_to_specialist":
            specialist = db.session.get(User, form.specialist.data)
            return lambda a: sm.refer_to_specialist(a, actor(), specialist, form.reason.data)
        if name == "withdraw":
            return lambda a: sm.withdraw(a, actor(), form.reason.data)
        function = getattr(sm, name)
        return lambda a: function(a, actor(), note=form.note.data or "")

    # -- printable letter and research attachments -----------------------
    @expose("/letter/")
    def letter_view(self):
        decision = db.session.get(Decision, request.args.get("id", type=int) or 0)
        if decision is None or self.get_one(str(decision.application_id)) is None:
            abort(404)
        profile = db.session.get(OrganisationProfile, 1) or OrganisationProfile()
        with force_locale("ar"):  # the letter is Arabic whatever the staff member's language
            return self.render("print/decision_letter.html", decision=decision, application=decision.application,
                               profile=profile, outcomes=sm.OUTCOME_LABELS)

    @expose("/attachment/")
    def attachment_view(self):
        from workflow.storage import path_of

        research = db.session.get(Research, request.args.get("research", type=int) or 0)
        if research is None or self.get_one(str(research.application_id)) is None:
            abort(404)
        stored = next((f for f in research.attachments if f.id == request.args.get("file", type=int)), None)
        if stored is None or not path_of(stored).exists():
            abort(404)
        return send_file(path_of(stored), mimetype=stored.mime, as_attachment=True,
                         download_name=stored.original_name)
