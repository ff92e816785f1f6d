"""Committee sessions: the admin sets them up; members mark presence and decide
each agenda item; closing locks the decisions; minutes print on A4."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from admin_views.applications import status_badge
from admin_views.base import SecureModelView, current_role, record_id
from extensions import db
from forms.workflow import DecisionForm
from models.application import Application
from models.committee import AgendaItem, CommitteeSession
from models.organisation import OrganisationProfile
from models.user import User
from workflow import committee as rules
from workflow import state_machine as sm
from workflow.dates import dual_date
from workflow.errors import ConcurrentChange, WorkflowError
from workflow.roles import ADMIN_ONLY, Role

READERS = frozenset({Role.ADMIN, Role.COMMITTEE, Role.VIEWER})
# Their own msgids: in Arabic the adjective agrees with جلسة (مفتوحة / مغلقة), unlike a request's.
STATUS_LABELS = {rules.OPEN: _l("Open (session)"), rules.CLOSED: _l("Closed (session)")}


def _committee_users():
    return db.session.query(User).filter(User.role == Role.COMMITTEE.value, User.active.is_(True)) \
        .order_by(User.full_name)


class CommitteeSessionAdmin(SecureModelView):
    roles_read = READERS  # committee members see their own sessions (get_query)
    roles_create = roles_edit = ADMIN_ONLY
    roles_delete = frozenset()  # decisions point at sessions; close instead
    roles_export = READERS
    home_actions = {"decide": (_l("decide"), frozenset({Role.COMMITTEE}))}

    column_auto_select_related = False  # collections are selectin-loaded in get_query()
    details_template = "admin/committee/details.html"
    column_list = ("number", "held_on", "place", "status", "members", "agenda")
    column_default_sort = ("held_on", True)
    column_sortable_list = ("number", "held_on", "status")
    column_searchable_list = ("number", "place")
    column_filters = ("status", "held_on")
    column_labels = {
        "number": _l("Session number"), "held_on": _l("Date"), "place": _l("Place"), "status": _l("Status"),
        "members": _l("Members"), "agenda": _l("Agenda"), "quorum": _l("Quorum"),
        "minutes_notes": _l("Notes for the minutes"), "present": _l("Present"), "closed_at": _l("Closed at"),
    }
    column_formatters = {
        "held_on": lambda v, c, m, n: dual_date(m.held_on),
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "members": lambda v, c, m, n: "، ".join(u.full_name for u in m.members),
        "agenda": lambda v, c, m, n: len(m.agenda),
        "closed_at": lambda v, c, m, n: dual_date(m.closed_at, with_time=True),
    }
    column_formatters_export = column_formatters
    # The summary above the table shows number, date, place, status and quorum.
    column_details_list = ("minutes_notes", "closed_at")
    form_columns = ("number", "held_on", "place", "members", "quorum", "minutes_notes")
    form_args = {
        "number": {"validators": [DataRequired()], "label": _l("Session number")},
        "held_on": {"validators": [DataRequired()], "label": _l("Date")},
        "members": {"query_factory": _committee_users, "label": _l("Members"),
                    "validators": [DataRequired()]},
        "quorum": {"validators": [Optional(), NumberRange(min=1)], "label": _l("Quorum"),
                   "description": _l("Members who must be present. Empty: a majority of the members.")},
        "minutes_notes": {"label": _l("Notes for the minutes")},
    }

    def get_query(self):
        query = super().get_query().options(selectinload(CommitteeSession.members),
                                            selectinload(CommitteeSession.agenda))
        return self._scope(query)

    def get_count_query(self):
        return self._scope(super().get_count_query())

    def _scope(self, query):
        if current_role() == Role.COMMITTEE:
            query = query.filter(CommitteeSession.members.any(User.id == current_user.id))
        return query

    def on_model_change(self, form, model, is_created):
        if not is_created and model.status != rules.OPEN:
            raise ValidationError(str(_l("Session %(number)s is closed; its decisions are locked.",
                                         number=model.number)))
        try:
            rules.check_session_setup(model.members, model.quorum)
        except WorkflowError as exc:
            raise ValidationError(str(exc))
        # Presence only for members.
        member_ids = {m.id for m in model.members}
        model.present = [p for p in model.present if p.id in member_ids]

    # -- the working page ------------------------------------------------
    def details_context(self, session: CommitteeSession) -> dict:
        me = current_user._get_current_object()
        forms = {}
        for item in session.agenda:
            form = DecisionForm(formdata=None, prefix=f"i{item.id}")
            form.outcome.choices = list(sm.OUTCOME_LABELS.items())
            form.item.data = str(item.id)
            form.version.data = str(item.application.version)
            forms[item.id] = form
        candidates = rules.awaiting_not_scheduled() if current_role() == Role.ADMIN and session.status == rules.OPEN \
            else []
        return {
            "is_admin": current_role() == Role.ADMIN,
            "is_member": rules.is_member(session, me),
            "is_present": rules.is_present(session, me),
            "required": rules.required_quorum(session),
            "has_quorum": rules.has_quorum(session),
            "forms": forms,
            "candidates": candidates,
            "decision_for": lambda app_id: rules.decision_for(session, app_id),
            "can_decide": lambda app: sm.can("decide", app, me) and session.status == rules.OPEN
            and rules.is_present(session, me),
            "status_badge": status_badge, "outcomes": sm.OUTCOME_LABELS, "recommendations": sm.RECOMMENDATIONS, "status_labels": STATUS_LABELS,
        }

    def _session_or_404(self) -> CommitteeSession:
        session = self.get_one(request.values.get("id", ""))
        if session is None:
            abort(404)
        return session

    def _back(self, session):
        return redirect(url_for(".details_view", id=session.id))

    def _attempt(self, session, call, success):
        try:
            call()
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(success, "success")
        return self._back(session)

    @expose("/presence/", methods=("POST",))
    def presence_view(self):
        session = self._session_or_404()
        user = db.session.get(User, record_id(request.form.get("user")) or 0)
        if user is None:
            abort(404)
        present = request.form.get("present") == "1"
        me = current_user._get_current_object()
        return self._attempt(session, lambda: rules.set_presence(session, user, present, me),
                             _("Presence updated for %(name)s.", name=user.full_name))

    @expose("/agenda/add/", methods=("POST",))
    def agenda_add_view(self):
        session = self._session_or_404()
        ids = request.form.getlist("application")
        me = current_user._get_current_object()

        def add():
            for raw in ids:
                application = db.session.get(Application, int(raw)) if raw.isdigit() else None
                if application is not None:
                    rules.add_to_agenda(session, application, me)
        if not ids:
            flash(_("Choose at least one request."), "error")
            return self._back(session)
        return self._attempt(session, add, _("Agenda updated."))

    @expose("/agenda/remove/", methods=("POST",))
    def agenda_remove_view(self):
        session = self._session_or_404()
        item = db.session.get(AgendaItem, record_id(request.form.get("item")) or 0)
        if item is None or item.session_id != session.id:
            abort(404)
        me = current_user._get_current_object()
        return self._attempt(session, lambda: rules.remove_from_agenda(session, item, me), _("Agenda updated."))

    @expose("/decide/", methods=("POST",))
    def decide_view(self):
        session = self._session_or_404()
        item = db.session.get(AgendaItem, record_id(request.form.get("item")) or 0)
        if item is None or item.session_id != session.id:
            abort(404)
        form = DecisionForm(prefix=f"i{item.id}")
        form.outcome.choices = list(sm.OUTCOME_LABELS.items())
        if not form.validate_on_submit():
            flash(_("Choose accept, reject or defer."), "error")
            return self._back(session)
        application = item.application
        me = current_user._get_current_object()

        def decide():
            if form.version.data and form.version.data != str(application.version):
                raise ConcurrentChange(_l("Request %(reference)s was changed by someone else a moment ago. "
                                          "Reload the page to see its current state.",
                                          reference=application.reference))
            sm.decide(application, me, session, form.outcome.data, reason=form.reason.data,
                      granted=form.granted.data)
        return self._attempt(session, decide, _("Decision recorded on %(reference)s; the beneficiary is informed.",
                                                 reference=application.reference))

    @expose("/close/", methods=("POST",))
    def close_view(self):
        session = self._session_or_404()
        me = current_user._get_current_object()
        return self._attempt(session, lambda: rules.close_session(session, me),
                             _("Session %(number)s closed; its decisions are locked.", number=session.number))

    @expose("/minutes/")
    def minutes_view(self):
        session = self._session_or_404()
        profile = db.session.get(OrganisationProfile, 1) or OrganisationProfile()
        with force_locale("ar"):
            return self.render("print/minutes.html", session=session, profile=profile, outcomes=sm.OUTCOME_LABELS,
                               required=rules.required_quorum(session), has_quorum=rules.has_quorum(session),
                               decision_for=lambda app_id: rules.decision_for(session, app_id),
                               status_labels=STATUS_LABELS)


__all__ = ["CommitteeSessionAdmin"]
