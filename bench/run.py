"""Measure the pages of bench/scenarios.py through the real WSGI stack.

    python -m bench.run [--repeat 30] [--only "users list,audit list p1"] [--database-url URL]

Signs in through /login (CSRF and all) with Flask's test client on create_app(),
requests every scenario `--repeat` times after two warm-up requests, and reports
p50/p95 server time (request in, last byte of the body out) and the number of
SQL statements per request (a `before_cursor_execute` listener). Exports are
also measured with tracemalloc for peak memory growth. Prints a table and
writes bench/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from bench.generate import DEFAULT_DB, DEFAULT_URL, PASSWORD, USERS, normalise_url
from bench.scenarios import LOOKUPS, SCENARIOS, Scenario

RESULTS = Path(__file__).resolve().parent / "results.json"
ROLE_EMAIL = {}
for _email, _name, _role in USERS:
    ROLE_EMAIL.setdefault(_role, _email)


class Missing(Exception):
    """The page, view, filter or looked-up row a scenario needs is not there (yet)."""


# -- forms -----------------------------------------------------------------------------
class FormParser(HTMLParser):
    """The fields of the first <form method=post> of a page, with their default values."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, object] = {}
        self.in_form = self.done = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if kind == "checkbox" or name not in self.fields:
                    self.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if value and not self.fields.get(self.select):
                self.fields[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] = str(self.fields[self.textarea]) + data


def form_fields(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    return parser.fields


# -- the run ------------------------------------------------------------------------------
class Context:
    def __init__(self, app, lookups: dict):
        self.app, self.lookups, self.iteration = app, lookups, 0


def resolve_lookups(app) -> dict:
    from sqlalchemy import text

    from extensions import db

    values = {}
    with app.app_context():
        for name, sql in LOOKUPS.items():
            try:
                values[name] = db.session.execute(text(sql)).scalar()
            except Exception:  # a table that does not exist yet
                db.session.rollback()
                values[name] = None
    return values


def _msgid(value) -> str:
    return str(getattr(value, "_args", [value])[0] if hasattr(value, "_args") else value)


def filter_params(app, endpoint: str, filters: list) -> dict:
    """flt<i>_<arg> parameters for (column, operation, value) triples, resolved from the view."""
    view = find_view(app, endpoint)
    if view is None:
        raise Missing(f"no view {endpoint}")
    params = {}
    for pos, (column, operation, value) in enumerate(filters):
        column, operation = column.lower(), operation.lower()
        best, match = 0, None
        for arg, (_idx, flt) in (view._filter_args or {}).items():
            col = getattr(flt, "column", None)
            names = {_msgid(flt.name).lower(), type(flt).__name__.lower()}
            if col is not None and hasattr(col, "key"):
                names.add(str(col.key).lower())
            ops = {type(flt).__name__.lower(), _msgid(flt.operation()).lower()}
            # Exact names beat partial ones: "equal" is FilterEqual, not FilterNotEqual.
            col_score = 2 if column in names else (1 if any(column in n for n in names) else 0)
            if operation:
                op_score = 2 if (operation in ops or f"filter{operation}" in ops
                                 or f"{operation}s" in ops) else (1 if any(operation in o for o in ops) else 0)
            else:
                op_score = 2
            score = col_score * 3 + op_score if col_score and op_score else 0
            if score > best:
                best, match = score, arg
        if match is None:
            raise Missing(f"no filter {column} {operation} on {endpoint}")
        params[f"flt{pos}_{match}"] = value
    return params


def find_view(app, endpoint: str):
    admin = app.extensions["admin"][0]
    return next((v for v in admin._views if getattr(v, "endpoint", None) == endpoint), None)


def build_url(app, scenario: Scenario, lookups: dict) -> str:
    def fill(text: str) -> str:
        for key in re.findall(r"{(\w+)}", text):
            if lookups.get(key) is None:
                raise Missing(f"no data for {key}")
            text = text.replace("{" + key + "}", str(lookups[key]))
        return text

    if scenario.endpoint and find_view(app, scenario.endpoint) is None:
        raise Missing(f"no view {scenario.endpoint}")
    params = {k: fill(str(v)) for k, v in scenario.params.items()}
    if scenario.filters:
        params.update(filter_params(app, scenario.endpoint, scenario.filters))
    path = fill(scenario.path)
    return path + ("?" + urlencode(params) if params else "")


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.n += 1


def sign_in(app, role: str):
    client = app.test_client()
    if not role:
        return client
    page = client.get("/login").get_data(as_text=True)
    token = form_fields(page).get("csrf_token", "")
    response = client.post("/login", data={"email": ROLE_EMAIL[role], "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {ROLE_EMAIL[role]} (HTTP {response.status_code}). "
                         "Was the database made by bench.generate?")
    return client


def one_request(client, scenario: Scenario, url: str, ctx: Context):
    """Returns (status, bytes); for POSTs the GET of the form is not timed."""
    if scenario.method == "POST":
        page = client.get(url)
        if page.status_code == 404:
            return 404, 0, None
        data = {k: v for k, v in form_fields(page.get_data(as_text=True)).items()}
        if scenario.form:
            extra = scenario.form(ctx)
            data.update({k: v for k, v in extra.items() if k in data or not data})
        start = time.perf_counter()
        response = client.post(url, data=data, buffered=False)
    else:
        start = time.perf_counter()
        response = client.get(url, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return response.status_code, size, time.perf_counter() - start


def measure(app, scenario: Scenario, lookups: dict, repeat: int, clients: dict, counter: QueryCounter) -> dict:
    result = {"name": scenario.name, "method": scenario.method, "target_ms": scenario.target_ms,
              "note": scenario.note}
    try:
        url = build_url(app, scenario, lookups)
    except Missing as exc:
        return {**result, "status": "missing", "why": str(exc)}
    result["url"] = url
    view = find_view(app, scenario.endpoint) if scenario.endpoint else None
    saved = None
    if scenario.export_rows and view is not None:
        saved, view.export_max_rows = view.export_max_rows, scenario.export_rows
    try:
        if scenario.role not in clients:
            clients[scenario.role] = sign_in(app, scenario.role)
        client = clients[scenario.role]
        ctx = Context(app, lookups)
        times, queries, sizes, codes = [], [], [], set()
        for i in range(repeat + 2):
            ctx.iteration = i
            before = counter.n
            status, size, elapsed = one_request(client, scenario, url, ctx)
            if status == 404:
                return {**result, "status": "missing", "why": "404"}
            if status >= 400:
                return {**result, "status": "error", "why": f"HTTP {status}"}
            if i >= 2:  # two warm-up requests
                times.append(elapsed * 1000)
                queries.append(counter.n - before)
                sizes.append(size)
                codes.add(status)
        times.sort()
        result.update(
            status="ok", n=len(times), http=sorted(codes),
            p50_ms=round(statistics.median(times), 1),
            p95_ms=round(times[max(0, int(round(0.95 * len(times))) - 1)], 1),
            max_ms=round(times[-1], 1),
            queries_min=min(queries), queries_max=max(queries), bytes=int(statistics.median(sizes)))
        if scenario.export_rows:
            result.update(export_memory(app, scenario, client, url, view, ctx))
        result["meets_target"] = result["p95_ms"] <= scenario.target_ms
        return result
    finally:
        if saved is not None:
            view.export_max_rows = saved


def export_memory(app, scenario, client, url, view, ctx) -> dict:
    """Peak Python memory growth while exporting N rows, and N/10 rows: flat if about equal."""
    peaks = {}
    for rows in (scenario.export_rows // 10, scenario.export_rows):
        view.export_max_rows = rows
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        status, size, _ = one_request(client, scenario, url, ctx)
        peaks[rows] = (tracemalloc.get_traced_memory()[1] - base, size)
        tracemalloc.stop()
    small, big = peaks[scenario.export_rows // 10], peaks[scenario.export_rows]
    lines = big[1]
    return {"export_rows": scenario.export_rows, "export_bytes": lines,
            "peak_kib": round(big[0] / 1024), "peak_kib_tenth": round(small[0] / 1024),
            "memory_flat": big[0] < 2 * small[0] + 512 * 1024}


def machine() -> dict:
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout.strip()
        except Exception:
            return ""

    return {"nproc": run(["nproc"]), "memory": run(["free", "-h"]).splitlines()[1:2],
            "python": platform.python_version(), "platform": platform.platform(),
            "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("model name")), "") if Path("/proc/cpuinfo").exists() else ""}


def print_table(results: list[dict], out=None) -> None:
    out = out or sys.stdout  # looked up at call time (a default argument would pin the import-time stream)
    head = f"{'scenario':<30} {'status':<8} {'p50 ms':>8} {'p95 ms':>8} {'target':>7} {'queries':>8}  notes"
    out.write(head + "\n" + "-" * len(head) + "\n")
    for r in results:
        if r["status"] != "ok":
            out.write(f"{r['name']:<30} {r['status']:<8} {'':>8} {'':>8} {r['target_ms']:>7} {'':>8}  "
                      f"{r.get('why', '')}\n")
            continue
        q = str(r["queries_min"]) if r["queries_min"] == r["queries_max"] else f"{r['queries_min']}-{r['queries_max']}"
        notes = "" if r["meets_target"] else "OVER TARGET "
        if "peak_kib" in r:
            notes += (f"{r['export_rows']:,} rows, {r['export_bytes'] / 1e6:.1f} MB, peak +{r['peak_kib']:,} KiB "
                      f"(1/10 rows: +{r['peak_kib_tenth']:,} KiB){'' if r['memory_flat'] else ' NOT FLAT'}")
        out.write(f"{r['name']:<30} {'ok':<8} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['target_ms']:>7} "
                  f"{q:>8}  {notes}\n")


def make_app(url: str):
    from app import create_app

    # Rate limits are off for the measurement run (the volunteer form is posted 30 times
    # from one address); the load run keeps them on with a high limit.
    # The public forms refuse a POST sent less than PUBLIC_MIN_FILL_SECONDS after the form was
    # shown (a bot guard); the run posts at once, so it is 0 here.
    # The generated admin has no authenticator app: the second factor is not asked for here
    # (it adds one sign-in step, not page time; tests/web/test_mfa.py covers it).
    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_url(url), "RATELIMIT_ENABLED": False,
                       "PUBLIC_MIN_FILL_SECONDS": 0, "PUBLIC_RATE_LIMIT": "100000 per minute",
                       "MFA_REQUIRED_ROLES": ""})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    url = normalise_url(args.database_url)
    if url == DEFAULT_URL and not DEFAULT_DB.exists():
        raise SystemExit("No bench/bench.db: run `python -m bench.generate` first (make bench does).")
    app = make_app(url)
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    scenarios = [s for s in SCENARIOS if not wanted or s.name in wanted]
    lookups = resolve_lookups(app)
    from extensions import db

    results = []
    with app.app_context():
        counter = QueryCounter(db.engine)
    clients: dict = {}
    for scenario in scenarios:
        sys.stderr.write(f"  {scenario.name} ...\n")
        results.append(measure(app, scenario, lookups, args.repeat, clients, counter))
    print()
    print_table(results)
    dialect = url.split(":", 1)[0]
    payload = {"database": dialect, "repeat": args.repeat, "machine": machine(),
               "when": time.strftime("%Y-%m-%d %H:%M:%S"), "lookups": {k: str(v) for k, v in lookups.items()},
               "results": results}
    Path(args.output).write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    print(f"\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
