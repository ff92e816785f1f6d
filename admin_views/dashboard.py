"""The lists behind the home dashboard's numbers: /admin/dashboard/list/<name>."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from admin_views.base import SecureView, current_role
from extensions import db
from models.beneficiary import Communication
from workflow.applications import days_left
from workflow.dashboard import LISTS, list_allowed, list_count, list_query
from workflow.reports import local_today
from workflow.roles import ALL

PAGE_SIZE = 50


def record_url(endpoint: str, record_id) -> str:
    """Details page of a record on another helper's screen; a plain path if that screen is not registered."""
    try:
        return url_for(f"{endpoint}.details_view", id=record_id)
    except BuildError:
        return f"/admin/{endpoint}/details/?id={record_id}"


def list_url(name: str, **args) -> str:
    return url_for("dashboard.show_list", list_name=name, **args)


class DashboardListView(SecureView):
    roles_read = ALL  # each list checks its own roles

    def is_visible(self) -> bool:
        return False  # reached from the home page's numbers

    @expose("/")
    def index(self):
        abort(404)

    @expose("/list/<list_name>")
    def show_list(self, list_name: str):
        name = list_name
        if name not in LISTS:
            abort(404)
        if not list_allowed(name, current_role()):
            abort(403)
        spec = LISTS[name]
        status = request.args.get("status", "") if spec.with_arg else ""
        page = max(0, request.args.get("page", 0, type=int))
        today = local_today()
        query = list_query(name, current_user, status, today)
        if spec.model is Communication:
            query = query.options(joinedload(Communication.beneficiary))
        rows = db.session.scalars(query.offset(page * PAGE_SIZE).limit(PAGE_SIZE)).unique().all()
        total = list_count(name, current_user, status, today)
        from workflow.state_machine import status_label

        return self.render("admin/dashboard/list.html", name=name, spec=spec, rows=rows, total=total, page=page,
                           pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, status=status, status_label=status_label,
                           is_communication=spec.model is Communication, record_url=record_url,
                           days_left=lambda a: days_left(a, today), today=today)
