"""Survey questions (admin) and the satisfaction results page (reporting roles)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import request
from flask_admin import expose
from flask_babel import lazy_gettext as _l

from admin_views.base import SecureModelView, SecureView
from workflow import surveys
from workflow.dates import local_zone
from workflow.roles import ADMIN_ONLY, REPORT_ROLES


class SurveyQuestionAdmin(SecureModelView):
    roles_read = roles_create = roles_edit = roles_delete = ADMIN_ONLY
    roles_export = ADMIN_ONLY

    column_list = ("text_ar", "text_en", "active", "sort_order")
    column_default_sort = ("sort_order", False)
    column_labels = {"text_ar": _l("Question (Arabic)"), "text_en": _l("Question (English)"),
                     "active": _l("Active"), "sort_order": _l("Order")}
    form_columns = ("text_ar", "text_en", "active", "sort_order")
    column_descriptions = {"text_ar": _l("Answered with a rating from 1 (very dissatisfied) to 5 (very satisfied).")}


def _day(value: str | None):
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None


class SurveyResultsView(SecureView):
    roles_read = REPORT_ROLES

    @expose("/")
    def index(self):
        start_day, end_day = _day(request.args.get("start")), _day(request.args.get("end"))
        zone = local_zone()
        start = datetime.combine(start_day, time.min, zone) if start_day else None
        end = datetime.combine(end_day + timedelta(days=1), time.min, zone) if end_day else None
        groupings = [
            ("service_type", _l("By service type")),
            ("channel", _l("By channel")),
            ("staff", _l("By staff member")),
        ]
        tables = [(label, surveys.results(key, start, end)) for key, label in groupings]
        comments = surveys.recent_comments()
        from workflow.roles import ADMIN_OFFICER
        from admin_views.base import role_in

        # Acting on the results (policy 001): the register, and a new action prefilled from a question.
        return self.render("admin/survey_results.html", tables=tables, comments=comments,
                           start=start_day, end=end_day, overview=tables[0][1],
                           can_act=role_in(ADMIN_OFFICER), period={"start": start_day or "", "end": end_day or ""})


