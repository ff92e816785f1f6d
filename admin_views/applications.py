"""Service requests: the list, the details page with its buttons, the small forms
for actions that need input, and the decision letter.

Every change goes through workflow.state_machine; this module only reads
requests, checks the form, calls the function and reports the result.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import false, select
from flask_admin.contrib.sqla.fields import QuerySelectField
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from admin_views.base import SecureModelView, current_role, record_id, role_in, row_url
from admin_views.branches import BranchFieldMixin, BranchFilter
from admin_views.lookups import BeneficiaryLoader
from admin_views.registry import RefreshFilters
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
from workflow.applicants import KIND_LABELS, check_applicant, check_execution, kind_choices, kind_label
from workflow.applications import days_left, is_overdue, overdue_clause, receive_application, reference_clause
from workflow.branches import active_representatives
from workflow.policy_templates import feature_on
from workflow.bidi import ltr, reference
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
    return Markup(f'<span class="badge badge-{STATUS_BADGE.get(status, "secondary")} status-{escape(status)}">'
                  f'{escape(sm.status_label(status))}</span>')


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
        return Markup(f'<span class="overdue">{escape(text)}</span><br>'
                      f'<span class="badge badge-danger">{escape(note)}</span>')
    note = days_left_text(left)
    return Markup(f'{escape(text)}<br><small class="text-muted">{escape(note)}</small>')


def reference_link(view, context, application: Application) -> Markup:
    """The reference opens the request (as the first column does in Django's admin): one link a
    row instead of view and edit icons (editing is a tab of the request's page)."""
    url = row_url(view.get_url, ".details_view", application.id, context.resolve("return_url"))
    return Markup(f'<a href="{escape(url)}">{reference(application.reference)}</a>')


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


COMMUNITY_FIELDS = ("applicant_name", "contact_name", "contact_phone", "registration_no", "expected_beneficiaries")
EXECUTION_FIELDS = ("execution_start", "execution_end", "responsible")


def _staff():
    return db.session.query(User).filter(User.active.is_(True)).order_by(User.full_name)


class ApplicationAdmin(BranchFieldMixin, RefreshFilters, SecureModelView):
    roles_read = ALL  # specialists see only the requests assigned to them (get_query)
    roles_create = ADMIN_OFFICER
    roles_edit = ADMIN_OFFICER  # notes and description only
    roles_delete = frozenset()  # withdraw instead: the timeline stays
    roles_export = REPORT_ROLES
    action_roles = {"verify": ADMIN_OFFICER, "refer": ADMIN_OFFICER, "raise_to_committee": ADMIN_OFFICER}
    audit_reads = True  # a request is personal data: opening and exporting it is recorded

    details_template = "admin/application/details.html"
    column_list = ("reference", "beneficiary", "service_type", "channel", "branch", "status", "received_at",
                   "decision_due")
    list_eager_load = ("branch",)
    # The applicant's name is all the list shows of the beneficiary (Application.applicant).
    list_load_only = {"beneficiary": ("id", "first_name", "father_name", "grandfather_name", "family_name")}
    list_cells_by_value = {"service_type": "service_type_id", "channel": "channel_id", "branch": "branch_id",
                           "status": "status"}
    column_display_actions = False  # the reference is the row's link (reference_link)
    column_default_sort = ("received_at", True)
    column_sortable_list = ("reference", "status", "received_at", "decision_due")
    column_searchable_list = ("reference",)
    column_filters = (
        FilterEqual(Application.status, _l("Status"), options=_status_options),
        OverdueFilter(Application.decision_due, _l("Overdue"), options=(("1", _l("Yes")), ("0", _l("No")))),
        BeneficiaryCityFilter(Beneficiary.city, _l("City")),
        BranchFilter(Application.branch_id, _l("Branch")),
        FilterEqual(Application.applicant_kind, _l("Applicant"),
                    options=lambda: [(k, str(v)) for k, v in KIND_LABELS.items()]),
        "received_at", "decision_due",
    )
    column_labels = {
        "reference": _l("Reference"), "beneficiary": _l("Beneficiary"), "service_type": _l("Service"),
        "channel": _l("Channel"), "status": _l("Status"), "received_at": _l("Received on"),
        "decision_due": _l("Decision due"), "description": _l("Request"), "notes": _l("Notes"),
        "assigned_specialist": _l("Specialist"), "recommendation": _l("Recommendation"),
        "decided_at": _l("Decided at"), "served_at": _l("Served at"), "closed_at": _l("Closed at"),
        "created_by": _l("Created by"), "branch": _l("Branch"), "representative": _l("Branch representative"),
        "applicant_kind": _l("Applicant"), "applicant_name": _l("Group or organisation"),
        "contact_name": _l("Contact person"), "contact_phone": _l("Contact person's mobile"),
        "registration_no": _l("Registration number"), "expected_beneficiaries": _l("Expected number of beneficiaries"),
        "execution_start": _l("Execution starts"), "execution_end": _l("Execution ends"),
        "responsible": _l("Responsible staff member"),
    }
    # The summary card above the table shows reference, status, service and dates.
    column_details_list = ("beneficiary", "applicant_kind", "applicant_name", "contact_name", "contact_phone",
                           "registration_no", "expected_beneficiaries", "branch", "representative",
                           "assigned_specialist", "description", "notes", "created_by", "decided_at", "served_at",
                           "closed_at", "execution_start", "execution_end", "responsible")
    details_eager_load = ("branch", "representative", "responsible")
    column_formatters = {
        "status": lambda v, c, m, n: status_badge(m.status),
        "received_at": lambda v, c, m, n: date_cell(m.received_at),
        "decision_due": lambda v, c, m, n: due_cell(m),
        "decided_at": lambda v, c, m, n: date_cell(m.decided_at, with_time=True),
        "served_at": lambda v, c, m, n: date_cell(m.served_at, with_time=True),
        "closed_at": lambda v, c, m, n: date_cell(m.closed_at, with_time=True),
        "recommendation": lambda v, c, m, n: sm.RECOMMENDATIONS.get(m.recommendation, m.recommendation),
        "reference": lambda v, c, m, n: reference_link(v, c, m),
        "beneficiary": lambda v, c, m, n: m.applicant,
        "branch": lambda v, c, m, n: m.branch.name if m.branch else "",
        "applicant_kind": lambda v, c, m, n: kind_label(m.applicant_kind),
        "contact_phone": lambda v, c, m, n: ltr(m.contact_phone)
        if m.contact_phone else "",
        "execution_start": lambda v, c, m, n: date_cell(m.execution_start),
        "execution_end": lambda v, c, m, n: date_cell(m.execution_end),
    }
    column_formatters_export = {
        "status": lambda v, c, m, n: sm.status_label(m.status),
        "received_at": lambda v, c, m, n: dual_date(m.received_at, with_time=True),
        "decision_due": lambda v, c, m, n: dual_date(m.decision_due),
        "beneficiary": lambda v, c, m, n: m.applicant,
        "branch": lambda v, c, m, n: m.branch.name if m.branch else "",
    }
    form_columns = ("applicant_kind", "beneficiary", *COMMUNITY_FIELDS, "service_type", "channel", "representative",
                    "description", "notes", *EXECUTION_FIELDS)
    form_overrides = {"applicant_kind": SelectField, "expected_beneficiaries": IntegerField,
                      "execution_start": DateField, "execution_end": DateField}
    form_extra_fields = {
        "representative": QuerySelectField(
            _l("Branch representative"), query_factory=active_representatives, allow_blank=True,
            blank_text=_l("None (received by staff)"),
            description=_l("The representative who brought the request in on the beneficiary's behalf: the "
                           "request takes their branch and the branch-representative channel.")),
    }
    form_args = {
        "applicant_kind": {"label": _l("The request comes from"), "choices": [],  # set per request (create_form)
                           "default": "person"},
        "beneficiary": {"validators": [Optional()], "label": _l("Beneficiary"),
                        "description": _l("For a person's request. A group or an organisation has a contact "
                                          "person instead.")},
        "applicant_name": {"label": _l("Group or organisation")},
        "contact_name": {"label": _l("Contact person")},
        "contact_phone": {"label": _l("Contact person's mobile"), "render_kw": {"dir": "ltr", "inputmode": "tel"}},
        "registration_no": {"label": _l("Registration number"),
                            "description": _l("The organisation's registration or licence number, where it has one.")},
        "expected_beneficiaries": {"label": _l("Expected number of beneficiaries"),
                                   "validators": [Optional(), NumberRange(min=1, max=1_000_000)]},
        "execution_start": {"label": _l("Execution starts"), "validators": [Optional()],
                            "render_kw": {"type": "date"}},
        "execution_end": {"label": _l("Execution ends"), "validators": [Optional()], "render_kw": {"type": "date"}},
        "responsible": {"label": _l("Responsible staff member"), "query_factory": _staff},
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
    def create_form(self, obj=None):
        form = super().create_form(obj)
        for name in EXECUTION_FIELDS:
            if name in form:
                del form[name]
        if not feature_on("community_requests"):  # the policy takes requests from persons only
            for name in ("applicant_kind", *COMMUNITY_FIELDS):
                if name in form:
                    del form[name]
            if "beneficiary" in form:
                form.beneficiary.description = ""
        else:
            form.applicant_kind.choices = kind_choices()
        if "representative" in form and not active_representatives():
            del form["representative"]
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or "service_type" not in form or request.endpoint.endswith("edit_view"):
            return valid
        applicant = self._applicant(form)
        for name, message in applicant.problems.items():
            field = form[name] if name in form else form.beneficiary
            field.errors = list(field.errors or []) + [str(message)]
        form._applicant = applicant
        return valid and applicant.ok

    def _applicant(self, form):
        value = (lambda name: form[name].data if name in form else None)
        return check_applicant(value("applicant_kind") or "person", form.beneficiary.data,
                               value("applicant_name"), value("contact_name"), value("contact_phone"),
                               value("registration_no"), value("expected_beneficiaries"))

    def create_model(self, form):
        try:
            applicant = getattr(form, "_applicant", None) or self._applicant(form)
            application = receive_application(
                form.beneficiary.data, form.service_type.data, form.channel.data, actor=actor(),
                description=form.description.data or "", notes=form.notes.data or "",
                branch=form.branch.data if "branch" in form else None,
                representative=form.representative.data if "representative" in form else None,
                applicant=applicant)
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
        # Who asked, for what and where it came in are fixed at receipt; the approved programme's
        # execution is planned once accepted.
        fixed = ("beneficiary", "service_type", "channel", "applicant_kind", "branch", "representative")
        if obj is not None and obj.status not in (Status.ACCEPTED, Status.SERVED, Status.CLOSED):
            fixed += EXECUTION_FIELDS
        if obj is not None and obj.applicant_kind == "person":
            fixed += COMMUNITY_FIELDS
        for name in fixed:
            if name in form:
                del form[name]
        return form

    def on_model_change(self, form, model, is_created):
        if is_created:
            return
        if "execution_start" in form:
            problems = check_execution(model, form.execution_start.data, form.execution_end.data,
                                       form.responsible.data)
            if problems:
                raise ValidationError(" ".join(str(p) for p in problems))
        if "applicant_name" in form:
            applicant = check_applicant(model.applicant_kind, None, form.applicant_name.data, form.contact_name.data,
                                        form.contact_phone.data, form.registration_no.data,
                                        form.expected_beneficiaries.data)
            if not applicant.ok:
                raise ValidationError(" ".join(str(p) for p in applicant.problems.values()))
            model.contact_phone = applicant.contact_phone

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
            form.mechanisms.choices = [(k, str(v)) for k, v in sm.RESEARCH_MECHANISMS.items()]
            if request.method == "GET" and len(applications) == 1:  # what the service requires
                form.mechanisms.data = sm.missing_research(applications[0])
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
            return lambda a: sm.refer_to_specialist(a, actor(), specialist, form.reason.data,
                                                    mechanisms=form.mechanisms.data or ())
        if name == "withdraw":
            return lambda a: sm.withdraw(a, actor(), form.reason.data)
        function = getattr(sm, name)
        return lambda a: function(a, actor(), note=form.note.data or "")

    # -- printable letter and research attachments -----------------------
    @expose("/letter/")
    def letter_view(self):
        decision = db.session.get(Decision, record_id(request.args.get("id")) or 0)
        if decision is None or self.get_one(str(decision.application_id)) is None:
            abort(404)
        profile = db.session.get(OrganisationProfile, 1) or OrganisationProfile()
        with force_locale("ar"):  # the letter is Arabic whatever the staff member's language
            return self.render("print/decision_letter.html", decision=decision, application=decision.application,
                               profile=profile, outcomes=sm.OUTCOME_LABELS)

    @expose("/attachment/")
    def attachment_view(self):
        from workflow.storage import send_stored

        research = db.session.get(Research, record_id(request.args.get("research")) or 0)
        if research is None or self.get_one(str(research.application_id)) is None:
            abort(404)
        stored = next((f for f in research.attachments if f.id == record_id(request.args.get("file"))), None)
        if stored is None:
            abort(404)
        try:
            return send_stored(stored)
        except FileNotFoundError:
            abort(404)
