"""/admin/reports/: the board's reports, with charts, tables and CSV/XLSX exports."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response, abort, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from admin_views.base import SecureView
from admin_views.charts import horizontal_bars, stacked_columns
from workflow.audit import record_access
from workflow.dates import dual_date
from workflow.regions import region_label
from workflow.reports import ReportFilter, build_report, filter_choices, share
from workflow.roles import REPORT_ROLES
from workflow.spreadsheet import export_cell
from workflow.volunteers import STATUS_LABELS as VOLUNTEER_STATUS_LABELS

OUTCOME_LABELS = {
    "accepted": _l("Accepted"), "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn"),
    "pending": _l("No decision yet"),
}


def _num(value):
    return "" if value is None else value


def report_tables(report) -> list[dict]:
    """Every table of the report, as written to CSV/XLSX (and drawn on the page)."""
    tables = []
    none_label = _("Not recorded")

    for key, data, title, column in (("channels", report.channel, _("Requests per channel per month"), _("Channel")),
                                     ("services", report.service, _("Requests per service type per month"),
                                      _("Service type")),
                                     ("branches", report.branch, _("Requests per branch per month"), _("Branch"))):
        unnamed = _("Head office") if key == "branches" else none_label
        rows = [[s["name"] if s["name"] is not None else unnamed, *s["counts"], s["total"]]
                for s in data["series"]]
        rows.append([_("Total"), *data["totals"], data["total"]])
        tables.append({"key": key, "title": title, "headers": [column, *data["months"], _("Total")], "rows": rows})

    d = report.decisions
    tables.append({"key": "decisions", "title": _("Decision time"), "headers": [_("Measure"), _("Value")], "rows": [
        [_("Requests decided in the period"), d["decided"]],
        [_("Median days from receipt to decision"), _num(d["median_days"])],
        [_("90th percentile (days)"), _num(d["p90_days"])],
        [_("Decided within the set period"), d["within_period"]],
        [_("Share decided within the set period (%)"), _num(d["within_period_share"])],
        [_("Overdue now"), d["overdue_now"]],
    ]})
    o = report.outcomes
    tables.append({"key": "outcomes", "title": _("Outcomes of requests received in the period"),
                   "headers": [_("Outcome"), _("Requests"), _("Share (%)")],
                   "rows": [[str(OUTCOME_LABELS[r["outcome"]]), r["count"], _num(r["share"])] for r in o["rows"]]
                   + [[_("Total"), o["total"], ""]]})
    tables.append({"key": "reasons", "title": _("Top rejection reasons"), "headers": [_("Reason"), _("Requests")],
                   "rows": [[r["reason"] or none_label, r["count"]] for r in o["reasons"]]})
    r = report.referrals
    tables.append({"key": "referrals", "title": _("Referrals to specialists"),
                   "headers": [_("Specialist"), _("Referrals"), _("Research reports"), _("Median days to research")],
                   "rows": [[x["specialist"] or none_label, x["count"], x["submitted"], _num(x["median_days"])]
                            for x in r["rows"]] + [[_("Total"), r["count"], r["submitted"], _num(r["median_days"])]]})
    s = report.satisfaction
    tables.append({"key": "satisfaction", "title": _("Satisfaction"), "headers": [_("Measure"), _("Value")],
                   "rows": [[_("Responses"), s["responses"]], [_("Average rating (1–5)"), _num(s["average"])],
                            [_("Surveys sent"), s["invitations"]],
                            [_("Response rate (%)"), _num(s["response_rate"])]]})
    for key, title, column, rows in (
            ("satisfaction_questions", _("Average per question"), _("Question"), s["questions"]),
            ("satisfaction_services", _("Satisfaction per service type"), _("Service type"), s["by_service"]),
            ("satisfaction_channels", _("Satisfaction per channel"), _("Channel"), s["by_channel"]),
            ("satisfaction_staff", _("Satisfaction per staff member"), _("Staff member"), s["by_staff"])):
        tables.append({"key": key, "title": title, "headers": [column, _("Average rating (1–5)"), _("Responses")],
                       "rows": [[x["name"] or none_label, _num(x["average"]), x["responses"]] for x in rows]})
    tables.append({"key": "satisfaction_trend", "title": _("Satisfaction trend"),
                   "headers": [_("Month"), _("Average rating (1–5)"), _("Responses")],
                   "rows": [[t["month"], _num(t["average"]), t["responses"]] for t in s["trend"]]})
    tables.append({"key": "comments", "title": _("Comments"), "headers": [_("Date"), _("Service type"), _("Comment")],
                   "rows": [[dual_date(c["at"]), c["service"], c["comment"]] for c in s["comments"]]})
    v = report.volunteers
    tables.append({"key": "volunteers", "title": _("Volunteer registrations per month"),
                   "headers": [_("Month"), _("Registrations")],
                   "rows": [[m, n] for m, n in zip(v["months"], v["monthly"])] + [[_("Total"), v["total"]]]})
    tables.append({"key": "volunteer_status", "title": _("Volunteers by status"),
                   "headers": [_("Status"), _("Volunteers")],
                   "rows": [[str(VOLUNTEER_STATUS_LABELS.get(x["status"], x["status"])), x["count"]]
                            for x in v["by_status"]]})
    tables.append({"key": "volunteer_fields", "title": _("Volunteers by field"),
                   "headers": [_("Field"), _("Volunteers")], "rows": [[x["name"], x["count"]] for x in v["by_field"]]})
    tables.extend(care_tables(report))
    return tables


def care_tables(report) -> list[dict]:
    """Follow-up, suggestions and complaints, improvement actions (issue 14)."""
    from admin_views.followup import report_table
    from workflow import feedback, improvement

    tables = [report_table(report.followup)]
    f = report.feedback
    tables.append({"key": "feedback", "title": _("Suggestions and complaints"),
                   "headers": [_("Kind"), _("Received"), _("Answered"), _("Overdue now")],
                   "rows": [[str(feedback.KIND_LABELS[x["kind"]]), x["received"], x["answered"], x["overdue"]]
                            for x in f["kinds"]] + [[_("Total"), f["received"], f["answered"], f["overdue"]]]})
    tables.append({"key": "feedback_deadline", "title": _("Answered within the deadline"),
                   "headers": [_("Measure"), _("Value")],
                   "rows": [[_("Answered within the deadline"), f["answered_in_time"]],
                            [_("Share answered within the deadline (%)"), _num(share(f["answered_in_time"],
                                                                                       f["answered"]))]]})
    for key, title, actions in (("improvement_taken", _("Improvement actions taken"), report.improvement["taken"]),
                                ("improvement_open", _("Improvement actions under way"), report.improvement["open"])):
        tables.append({"key": key, "title": title,
                       "headers": [_("Finding"), _("Decision or recommendation"), _("Service type"), _("Owner"),
                                   _("Due on"), _("Status"), _("Completed on"), _("What was done")],
                       "rows": [[a.finding, f"{improvement.KIND_LABELS.get(a.kind, a.kind)}: {a.decision}",
                                 str(a.service_type) if a.service_type else "", a.owner.full_name if a.owner else "",
                                 dual_date(a.due_on) if a.due_on else "",
                                 str(improvement.STATUS_LABELS.get(a.status, a.status)),
                                 dual_date(a.completed_on) if a.completed_on else "", a.result] for a in actions]})
    return tables


def filter_rows(rf: ReportFilter, choices) -> list[list]:
    """The filter, written at the top of every export so a file says what it counts."""
    service = next((str(s) for s in choices["service_types"] if s.id == rf.service_type_id), _("All"))
    channel = next((str(c) for c in choices["channels"] if c.id == rf.channel_id), _("All"))
    branch = next((str(b) for b in choices["branches"] if b.id == rf.branch_id), _("All"))
    return [
        [_("From date"), rf.date_from.isoformat() if rf.date_from else _("All")],
        [_("To date"), rf.date_to.isoformat() if rf.date_to else _("All")],
        [_("Service type"), service], [_("Channel"), channel], [_("Region"), region_label(rf.region) or _("All")],
        [_("Branch"), branch],
    ]


def _csv(tables, header_rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in header_rows:
        writer.writerow([export_cell(str(c)) for c in row])
    for table in tables:
        writer.writerow([])
        writer.writerow([export_cell(table["title"])])
        writer.writerow([export_cell(str(h)) for h in table["headers"]])
        for row in table["rows"]:
            writer.writerow([export_cell(c) for c in row])
    return "\ufeff" + out.getvalue()


def _xlsx(tables, header_rows, rtl: bool) -> bytes:
    book = Workbook()
    first = book.active
    first.title = _("Filter")[:31]
    first.sheet_view.rightToLeft = rtl
    for row in header_rows:
        first.append([export_cell(str(c)) for c in row])
    used = set()
    for table in tables:
        name = "".join(ch for ch in table["title"] if ch not in "[]:*?/\\")[:31] or table["key"]
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.sheet_view.rightToLeft = rtl
        sheet.append([export_cell(str(h)) for h in table["headers"]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append([export_cell(c) for c in row])
        sheet.column_dimensions["A"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ReportsView(SecureView):
    roles_read = REPORT_ROLES
    home_actions = {"export": (_l("export"), REPORT_ROLES)}

    def _context(self):
        from workflow.branches import visible_branch_ids

        rf = ReportFilter.from_args(request.args)
        scope = visible_branch_ids()  # a branch-scoped role's report covers its own branches only
        rf.branch_ids = tuple(scope) if scope is not None else None
        return rf, build_report(rf), filter_choices()

    @expose("/")
    def index(self):
        from flask_babel import get_locale

        rf, report, choices = self._context()
        rtl = str(get_locale() or "ar") == "ar"
        charts = {
            "channels": stacked_columns(report.channel["months"], _named(report.channel["series"]),
                                        _("Requests per channel per month"), rtl, other_label=_("Other")),
            "services": stacked_columns(report.service["months"], _named(report.service["series"]),
                                        _("Requests per service type per month"), rtl, other_label=_("Other")),
            "branches": stacked_columns(report.branch["months"], _named(report.branch["series"], _("Head office")),
                                        _("Requests per branch per month"), rtl, other_label=_("Other")),
            "outcomes": horizontal_bars([(str(OUTCOME_LABELS[r["outcome"]]), r["count"])
                                         for r in report.outcomes["rows"]], _("Outcomes"), rtl),
            "referrals": horizontal_bars([(x["specialist"] or _("Not recorded"), x["count"])
                                          for x in report.referrals["rows"]], _("Referrals per specialist"), rtl),
        }
        charts["questions"] = horizontal_bars([(x["name"], x["average"]) for x in report.satisfaction["questions"]],
                                              _("Average per question"), rtl)
        charts["volunteers"] = stacked_columns(
            report.volunteers["months"], [{"name": _("Registrations"), "counts": report.volunteers["monthly"]}],
            _("Volunteer registrations per month"), rtl)
        tables = {t["key"]: t for t in report_tables(report)}
        return self.render("admin/reports/index.html", rf=rf, report=report, choices=choices, charts=charts,
                           tables=tables, outcome_labels=OUTCOME_LABELS, export_args=rf.as_args(),
                           volunteer_labels=VOLUNTEER_STATUS_LABELS)

    @expose("/export/<section>.<fmt>")
    def export(self, section: str, fmt: str):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        from flask_babel import get_locale

        rf, report, choices = self._context()
        tables = report_tables(report)
        if section != "all":
            tables = [t for t in tables if t["key"].startswith(section)]
            if not tables:
                abort(404)
        record_access("export", "report", section, note=f"{fmt} {rf.describe()}")
        header = [[_("Report"), _("Reports")], *filter_rows(rf, choices)]
        stem = f"report-{section}"
        if fmt == "csv":
            body, mime = _csv(tables, header), "text/csv"  # Flask adds "; charset=utf-8"
        else:
            body = _xlsx(tables, header, str(get_locale() or "ar") == "ar")
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"{_('Reports')}-{section}.{fmt}"
        return Response(body, mimetype=mime, headers={
            "Content-Disposition": f"attachment; filename={stem}.{fmt}; filename*=UTF-8''{quote(name)}"})


def _named(series, none_label=None):
    none_label = none_label or _("Not recorded")
    return [{"name": s["name"] if s["name"] is not None else none_label, "counts": s["counts"]} for s in series]
