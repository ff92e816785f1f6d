"""The pages the benchmark measures: ONE list, in one place.

Each scenario is a URL (Flask-Admin conventions: `?page=N`, `?search=...`,
filters by NAME resolved at run time from the view's `_filter_args`, so no
filter index is hard-coded), a method, and optionally a form-data builder.
URLs may hold `{placeholders}` filled from `LOOKUPS` (ids read from the
database once). A scenario whose page, view, filter or lookup does not exist
yet is reported as "missing", never hidden.

To add a page: append a Scenario below. Fields:
  name       short unique name (used by --only)
  path       URL path, may contain {lookup} placeholders
  endpoint   the Flask-Admin view endpoint when the path is one of its pages
             (needed for `filters`; a missing view is reported as missing)
  params     query parameters (values may contain {lookup} placeholders)
  filters    [(column or filter name, operation, value)], e.g. ("city", "equal", "سكاكا");
             operation matches the filter class (FilterEqual → "equal") or its English
             operation text ("equals"); column matches the filter's column key or its
             English label (e.g. "Overdue")
  method     "GET" or "POST"; a POST first GETs the same path for the CSRF token and the
             form, fills every field from the form's defaults and `form`, then posts
  form       callable(ctx) -> dict of field values to send (overrides the defaults)
  export_rows  for an export: the number of rows (the view's export_max_rows is set to it
             for the run) and memory growth is measured with tracemalloc
  role       the staff role that signs in (the admin by default)
  target_ms  the p95 target of issue 7
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Scenario:
    name: str
    path: str
    endpoint: str | None = None
    params: dict = field(default_factory=dict)
    filters: list = field(default_factory=list)
    method: str = "GET"
    form: Callable | None = None
    export_rows: int | None = None
    role: str = "admin"
    target_ms: int = 100
    note: str = ""


# Ids looked up once before the run: {name: SQL returning one value}. A lookup that
# returns nothing (empty table) makes the scenarios using it "missing".
LOOKUPS = {
    # The beneficiary with the longest timeline (most requests).
    "busy_beneficiary": "SELECT beneficiary_id FROM application GROUP BY beneficiary_id "
                        "ORDER BY count(*) DESC, beneficiary_id LIMIT 1",
    "a_national_id": "SELECT national_id FROM beneficiary WHERE id = (SELECT max(id) / 2 FROM beneficiary)",
    "a_reference": "SELECT reference FROM application WHERE id = (SELECT max(id) / 2 FROM application)",
    # A request with a full timeline (closed: six events).
    "closed_application": "SELECT id FROM application WHERE status = 'closed' ORDER BY id DESC LIMIT 1",
    "session_50": "SELECT session_id FROM agenda_item GROUP BY session_id HAVING count(*) = 50 "
                  "ORDER BY session_id LIMIT 1",
}


def _volunteer_form(ctx) -> dict:
    """The fields of public/volunteer (forms/public.py VolunteerForm). A new valid national ID
    each time (a repeated one answers "already registered", a different path)."""
    from bench.generate import MOBILE_SECOND_DIGITS, mobile, national_id

    rng = random.Random()  # not seeded: a re-run must not meet the IDs of the previous run
    return {
        "full_name": "سارة محمد عبدالله العنزي",
        "national_id": national_id("1", rng.randrange(10**8)),
        "phone": mobile(rng.randrange(len(MOBILE_SECOND_DIGITS) * 10**7)),
        "email": f"volunteer{ctx.iteration}@example.org",
        "gender": "female",
        "city": "سكاكا",
        "message": "أستطيع المساعدة في تنظيم الفعاليات وإدخال البيانات",
        "consent": "y",
        "website_url": "",  # the honeypot stays empty
    }


SCENARIOS: list[Scenario] = [
    # -- pages in the foundation -------------------------------------------------
    Scenario("login page", "/login", note="no database work: the floor of the stack"),
    Scenario("dashboard", "/admin/", target_ms=300),
    Scenario("users list", "/admin/user/", endpoint="user"),
    Scenario("audit list p1", "/admin/auditentry/", endpoint="auditentry"),
    Scenario("audit list p2000", "/admin/auditentry/", endpoint="auditentry", params={"page": 2000}),
    Scenario("audit search", "/admin/auditentry/", endpoint="auditentry", params={"search": "officer2"},
             note="ILIKE '%q%' on four columns (the view declares no indexed search)"),
    Scenario("audit filter action+table", "/admin/auditentry/", endpoint="auditentry",
             filters=[("action", "equal", "view"), ("table_name", "equal", "application")]),
    Scenario("audit export 10k csv", "/admin/auditentry/export/csv/", endpoint="auditentry",
             export_rows=10_000, target_ms=5_000),
    # -- the screens of issue 7 (other branches; "missing" until merged) ---------------
    Scenario("beneficiaries p1", "/admin/beneficiary/", endpoint="beneficiary"),
    Scenario("beneficiaries p2000", "/admin/beneficiary/", endpoint="beneficiary", params={"page": 2000}),
    # Stored as "أحمد ..."/"احمد ...", typed with the other spelling of both names.
    Scenario("beneficiary name search", "/admin/beneficiary/", endpoint="beneficiary",
             params={"search": "احمد العنزى"}),
    Scenario("beneficiary ID search", "/admin/beneficiary/", endpoint="beneficiary",
             params={"search": "{a_national_id}"}),
    Scenario("beneficiaries city+gender", "/admin/beneficiary/", endpoint="beneficiary",
             filters=[("city", "", "جدة"), ("gender", "", "female")]),
    Scenario("request reference search", "/admin/application/", endpoint="application",
             params={"search": "{a_reference}"}, target_ms=20, note="issue 16: from the reference index"),
    Scenario("requests city+status", "/admin/application/", endpoint="application",
             filters=[("city", "equal", "سكاكا"), ("status", "equal", "awaiting_committee")]),
    Scenario("requests overdue", "/admin/application/", endpoint="application",
             filters=[("overdue", "", "1")]),
    Scenario("beneficiary details", "/admin/beneficiary/details/", endpoint="beneficiary",
             params={"id": "{busy_beneficiary}"}),
    Scenario("request details", "/admin/application/details/", endpoint="application",
             params={"id": "{closed_application}"}),
    Scenario("session 50 items", "/admin/committeesession/details/", endpoint="committeesession",
             params={"id": "{session_50}"}),
    Scenario("beneficiaries export 10k csv", "/admin/beneficiary/export/csv/", endpoint="beneficiary",
             export_rows=10_000, target_ms=5_000),
    Scenario("volunteer form POST", "/volunteer", method="POST", form=_volunteer_form, role="",
             note="public: no sign-in; PUBLIC_MIN_FILL_SECONDS=0 and rate limits off for the run"),
]
