"""This project and the Django-admin peer, side by side over HTTP (issue 16).

    python -m bench.compare [--repeat 30] [--warmup 3] [--load-seconds 60] [--small]
    make bench-compare                      # the same, full size
    DATABASE_URL=postgresql://... make bench-compare   # the project on PostgreSQL (Django stays on SQLite)
    python -m bench.compare --markdown before.json after.json   # a before/after table for bench/README.md

What it does, in order:
1. The peer (`$PEER_DIR`, default `../shared/peer-django` beside the repository) gets its own
   virtualenv under bench/peer/ (git-ignored) with Django 5.2 and gunicorn from PyPI.
2. Both data sets are generated once and kept: the project's with bench.generate (100,000
   beneficiaries, 300,000 requests, seed 1; bench/bench.db, or the DATABASE_URL database when it
   is empty), Django's with the peer's generate.py (same sizes, seed 2026;
   bench/peer/peer.sqlite3). `--small` uses a few hundred rows in separate files.
3. Both are served by gunicorn, one sync worker each, on free loopback ports.
4. The ten pages of the peer's paths.json are measured with the peer's own measure.py, for
   both sides, alternately: project, Django, project, Django (`--runs` pairs). Django is measured
   exactly as the peer's run.sh does (its paths.json, unchanged at full size). The project's
   paths file is written here from its database: every page must show a row value read
   independently with SQL (a row's details link, a national ID, a reference), not only answer 200.
   The project's dashboard is measured as an eleventh page (no Django counterpart).
5. Load: for `--load-seconds` (60), 4 clients (`--load-clients`) on each side in turn request the
   ten pages round-robin on fresh connections with measure.py's Session (closed loop: at most 4
   requests in flight; each request times out after 30 s). Errors: any status but 200, a missing
   row value, a connection failure.
6. Prints the table (p95 per run, ratio project/Django, page size, the targets of issue 16) and
   writes bench/compare.json. Exit status 1 when a page failed its check (never on timings).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "peer"  # git-ignored: the peer's venv, its database, result files
OUT = ROOT / "bench" / "compare.json"
DJANGO_REQUIREMENT = "django>=5.2,<5.3"
GUNICORN_REQUIREMENT = "gunicorn>=23,<24"
PEER_USER, PEER_PASSWORD = "bench", "bench-password-2026"
HIGH_LIMIT = "100000 per minute"

FULL = {"beneficiaries": 100_000, "applications": 300_000}
SMALL = {"beneficiaries": 300, "applications": 900}
PEER_SEED = "2026"
PROJECT_SEED = 1
TODAY = "2026-11-22"  # the peer's anchor date too

# Targets of issue 16 (benchmark targets, never a timed test).
RATIO_TARGET, PAGE_P95_MS, REFERENCE_P95_MS, LIST_MAX_BYTES, LOAD_RATIO, DASHBOARD_P95_MS = 0.5, 100, 20, 40_000, 2.5, 100
LIST_PAGES = ("beneficiary list p1", "beneficiary list p2000", "beneficiary search name احمد",
              "beneficiary search national ID", "beneficiary filter city+gender", "application list p1",
              "application filter awaiting_committee", "application search reference")
REFERENCE_PAGE = "application search reference"
NAME, CITY = "احمد", "جدة"  # the name searched and the city filtered, as on the Django side
DASHBOARD = "dashboard (project only)"


def peer_dir() -> Path:
    """$PEER_DIR, else shared/peer-django beside the repository (or beside a folder holding it,
    as for a git worktree)."""
    if os.environ.get("PEER_DIR"):
        return Path(os.environ["PEER_DIR"]).resolve()
    for folder in ROOT.parents:
        if (folder / "shared" / "peer-django" / "measure.py").exists():
            return folder / "shared" / "peer-django"
    return ROOT.parent / "shared" / "peer-django"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- the peer ------------------------------------------------------------------------------
def peer_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not (venv / "bin" / "gunicorn").exists():
        log(f"peer: virtualenv {venv} with {DJANGO_REQUIREMENT}, {GUNICORN_REQUIREMENT} (PyPI)")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", DJANGO_REQUIREMENT, GUNICORN_REQUIREMENT],
                       check=True)
    return python


def peer_database(python: Path, peer: Path, db: Path, size: dict) -> None:
    env = dict(os.environ, PEER_DB=str(db))
    if db.exists():
        return
    log(f"peer: generating {db} ({size['beneficiaries']:,} beneficiaries, {size['applications']:,} applications)")
    partial = db.with_name(db.name + ".partial")
    partial.unlink(missing_ok=True)
    env["PEER_DB"] = str(partial)
    subprocess.run([str(python), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=peer / "peer", env=env,
                   check=True)
    args = [str(python), str(peer / "generate.py"), "--seed", PEER_SEED, "--anchor", f"{TODAY}T00:00:00+00:00"]
    if size is not FULL:
        args += ["--beneficiaries", str(size["beneficiaries"]), "--applications", str(size["applications"]),
                 "--communications", str(size["applications"] * 2 // 3)]
    done = subprocess.run(args, env=env, check=True, stdout=subprocess.PIPE, text=True)
    log(done.stdout.rstrip())
    partial.rename(db)


def django_pages(peer: Path, db: Path) -> list[dict]:
    """The peer's paths.json. Its IDs are those of seed 2026 at full size; on a smaller data set the
    same pages are pointed at the middle rows (as paths.json's are) of that set."""
    pages = json.loads((peer / "paths.json").read_text(encoding="utf-8"))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        full = con.execute("SELECT national_id FROM cases_beneficiary WHERE id = 50000").fetchone()
        if full and full[0] == "1192055893":
            return pages
        n_ben = con.execute("SELECT max(id) FROM cases_beneficiary").fetchone()[0]
        n_app = con.execute("SELECT max(id) FROM cases_application").fetchone()[0]
        ben = n_ben // 2
        app = n_app // 2
        nid = con.execute("SELECT national_id FROM cases_beneficiary WHERE id = ?", (ben,)).fetchone()[0]
        ref = con.execute("SELECT reference FROM cases_application WHERE id = ?", (app,)).fetchone()[0]
    finally:
        con.close()
    swap = {"1192055893": nid, "REQ-2026-0150000": ref, "/150000/": f"/{app}/", "/50000/": f"/{ben}/",
            "?p=2000": f"?p={max(1, n_ben // 20 // 2)}"}
    out = []
    for page in pages:
        page = dict(page)
        for key in ("path", "contains"):
            if key in page:
                for old, new in swap.items():
                    page[key] = page[key].replace(old, new)
        out.append(page)
    return out


# -- the project ---------------------------------------------------------------------------
def project_database(url: str, size: dict, default_file: Path) -> str:
    from sqlalchemy import create_engine, inspect, text

    from bench.generate import generate, normalise_url

    url = normalise_url(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            filled = "beneficiary" in inspect(conn).get_table_names() and conn.execute(
                text("SELECT count(*) FROM (SELECT 1 FROM beneficiary LIMIT 1) x")).scalar()
    finally:
        engine.dispose()
    if not filled:
        log(f"project: generating {url.split('@')[-1]} ({size['beneficiaries']:,} beneficiaries, "
            f"{size['applications']:,} requests)")
        from datetime import date

        generate(url, beneficiaries=size["beneficiaries"], applications=size["applications"], seed=PROJECT_SEED,
                 today=date.fromisoformat(TODAY), reset=not url.startswith("sqlite"),
                 quiet=False, **({} if size is FULL else {"sessions": 12}))
    return url


def project_pages(url: str) -> list[dict]:
    """The ten pages on this project, each with a value that only a right answer holds.

    The expected row is read here with plain SQL, independently of the views: the newest row of
    the list (default order: newest first), the 2,000th page's first row, the newest beneficiary
    with a name word starting احمد, a request by its reference... A list row is recognised by its
    details link (`details/?id=N`), which the search box cannot echo."""
    from sqlalchemy import create_engine, text

    from bench.run import filter_params, make_app

    engine = create_engine(url)
    one = lambda sql, **kw: conn.execute(text(sql), kw).one()  # noqa: E731
    with engine.connect() as conn:
        n_ben = conn.execute(text("SELECT max(id) FROM beneficiary")).scalar()
        n_app = conn.execute(text("SELECT max(id) FROM application")).scalar()
        newest = "ORDER BY id DESC"  # the registry's order: newest registered first
        first_ben = one(f"SELECT id FROM beneficiary {newest} LIMIT 1")[0]
        deep_page = min(1999, max(0, (n_ben - 1) // 20 // 2))  # 0-based: page 2,000 at full size
        deep_ben = one(f"SELECT id FROM beneficiary {newest} LIMIT 1 OFFSET :o", o=deep_page * 20)[0]
        named = one("SELECT b.id FROM beneficiary b WHERE b.id IN (SELECT beneficiary_id FROM beneficiary_name_word "
                    f"WHERE word >= :w AND word < :w || '\U0010ffff') {newest} LIMIT 1", w=NAME)[0]
        mid_ben, mid_nid, mid_phone = one("SELECT id, national_id, phone FROM beneficiary WHERE id = :i",
                                          i=n_ben // 2)
        # جدة as on the Django side; on a small data set that may have no woman, then the newest woman's city.
        city = conn.execute(text("SELECT city FROM beneficiary WHERE city = :c AND gender = 'female' LIMIT 1"),
                            {"c": CITY}).scalar() or one(f"SELECT city FROM beneficiary WHERE gender = 'female' "
                                                         f"{newest} LIMIT 1")[0]
        city_ben = one(f"SELECT id FROM beneficiary WHERE city = :c AND gender = 'female' {newest} LIMIT 1",
                       c=city)[0]
        by_received = "ORDER BY received_at DESC, id DESC"
        first_app = one(f"SELECT id FROM application {by_received} LIMIT 1")[0]
        waiting_app = one(f"SELECT id FROM application WHERE status = 'awaiting_committee' {by_received} LIMIT 1")[0]
        mid_app, mid_ref = one("SELECT id, reference FROM application WHERE id = :i", i=n_app // 2)
    engine.dispose()
    app = make_app(url)
    with app.test_request_context():
        city_gender = filter_params(app, "beneficiary", [("city", "", city), ("gender", "", "female")])
        waiting = filter_params(app, "application", [("status", "equal", "awaiting_committee")])

    def row(view: str, key: int, plain: bool = False) -> str:
        # A row's details link ends at the id on the plain list, else ?url= (the way back) follows.
        return f"/admin/{view}/details/?id={key}" + ('"' if plain else "&amp;")

    b, a = "/admin/beneficiary/", "/admin/application/"
    return [
        {"name": "beneficiary list p1", "path": b, "contains": row("beneficiary", first_ben, plain=True)},
        {"name": "beneficiary list p2000", "path": f"{b}?page={deep_page}", "contains": row("beneficiary", deep_ben)},
        {"name": "beneficiary search name احمد", "path": b + "?" + urlencode({"search": NAME}),
         "contains": row("beneficiary", named)},
        {"name": "beneficiary search national ID", "path": f"{b}?search={mid_nid}", "contains": mid_phone},
        {"name": "beneficiary filter city+gender", "path": b + "?" + urlencode(city_gender),
         "contains": row("beneficiary", city_ben)},
        {"name": "application list p1", "path": a, "contains": row("application", first_app, plain=True)},
        {"name": "application filter awaiting_committee", "path": a + "?" + urlencode(waiting),
         "contains": row("application", waiting_app)},
        {"name": "application search reference", "path": a + "?" + urlencode({"search": mid_ref}),
         "contains": row("application", mid_app)},
        {"name": "beneficiary change 50000", "path": f"{b}details/?id={mid_ben}", "contains": mid_nid},
        {"name": "application change 150000", "path": f"{a}details/?id={mid_app}", "contains": mid_ref},
    ]


# -- servers -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn, 1 sync worker on loopback; stopped by its own PID."""

    def __init__(self, name: str, gunicorn: list[str], app: list[str], cwd: Path, env: dict, probe: str,
                 logfile: Path):
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(logfile, "w")
        cmd = gunicorn + ["--workers", "1", "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
                          "--timeout", "120", "--access-logfile", "/dev/null", "--log-level", "warning"] + app
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name}: gunicorn exited; see {logfile}")
            try:
                with urllib.request.urlopen(self.base + probe, timeout=5):
                    break
            except Exception:
                if time.time() > deadline:
                    self.stop()
                    raise SystemExit(f"{name}: gunicorn did not answer; see {logfile}")
                time.sleep(0.3)
        log(f"{name}: gunicorn pid {self.proc.pid} on {self.base} (1 sync worker)")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def worker_pid(master: int) -> int:
    """The one gunicorn worker of a master (Linux /proc)."""
    for _ in range(50):
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.1)
    return master


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- measuring ------------------------------------------------------------------------------
def load_measure(peer: Path):
    spec = importlib.util.spec_from_file_location("peer_measure", peer / "measure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_args(side: dict, extra: list[str]) -> list[str]:
    return ["--base", side["base"], "--paths", str(side["paths"]), "--login-path", side["login"],
            "--user-field", side["user_field"], "--password-field", "password", "--user", side["user"],
            "--password", side["password"]] + extra


def run_measure(peer: Path, side: dict, label: str, out: Path, warmup: int, repeat: int) -> dict:
    args = [sys.executable, str(peer / "measure.py")] + measure_args(
        side, ["--label", label, "--out", str(out), "--warmup", str(warmup), "--repeat", str(repeat)])
    done = subprocess.run(args, stdout=subprocess.PIPE, text=True)
    sys.stderr.write(done.stdout)
    return json.loads(out.read_text(encoding="utf-8"))


def run_load(measure, side: dict, pages: list[dict], seconds: float, clients: int) -> dict:
    """`clients` threads, each signed in with measure.py's Session, request the pages round-robin."""
    ns = argparse.Namespace(login_path=side["login"], user_field=side["user_field"], password_field="password",
                            user=side["user"], password=side["password"], login_extra=[], csrf_field="",
                            csrf_cookie="csrftoken", csrf_header="", login_check=pages[0]["path"])
    sessions = []
    for _ in range(clients):
        sess = measure.Session(side["base"], timeout=30.0)
        measure.login(sess, ns)
        sessions.append(sess)
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []
    load_before = os.getloadavg()
    stop_at = time.perf_counter() + seconds
    start = time.perf_counter()

    def client(k: int) -> None:
        i = k
        while time.perf_counter() < stop_at:
            page = pages[i % len(pages)]
            i += 1
            try:
                status, _h, body, elapsed, _u = sessions[k].request("GET", page["path"])
                problem = None
                if status != 200:
                    problem = f"{page['name']}: status {status}"
                elif page.get("contains") and page["contains"] not in body.decode("utf-8", "replace"):
                    problem = f"{page['name']}: body lacks {page['contains']!r}"
            except Exception as exc:  # refused, reset, timed out
                problem, elapsed = f"{page['name']}: {exc!r}", 0.0
            with lock:
                times.append(elapsed * 1000)
                if problem:
                    errors.append(problem)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.perf_counter() - start
    times.sort()
    return {"seconds": round(duration, 1), "clients": clients, "requests": len(times),
            "requests_per_s": round(len(times) / duration, 2),
            "p50_ms": round(times[len(times) // 2], 1) if times else None,
            "p95_ms": round(measure.nearest_rank(times, 0.95), 1) if times else None,
            "errors": len(errors), "error_samples": errors[:5],
            "loadavg_before": load_before, "loadavg_after": os.getloadavg()}


def run_cpu(measure, side: dict, pages: list[dict], pid: int, requests: int) -> dict:
    """CPU milliseconds the server's worker spends per request of each page: `requests` requests
    one after the other, the worker's user+system time before and after. Unlike the latency it
    hardly depends on what else the machine is running (a busy machine slows every request by
    waiting, not by CPU). On SQLite the database work is in the worker; PostgreSQL's own CPU is
    in its server processes, not counted."""
    ns = argparse.Namespace(login_path=side["login"], user_field=side["user_field"], password_field="password",
                            user=side["user"], password=side["password"], login_extra=[], csrf_field="",
                            csrf_cookie="csrftoken", csrf_header="", login_check=pages[0]["path"])
    sess = measure.Session(side["base"], timeout=120.0)
    measure.login(sess, ns)
    out = {}
    for page in pages:
        sess.request("GET", page["path"])  # warm
        before = cpu_seconds(pid)
        if before is None:
            return {}
        for _ in range(requests):
            sess.request("GET", page["path"])
        out[page["name"]] = round((cpu_seconds(pid) - before) * 1000 / requests, 1)
    return out


# -- the table --------------------------------------------------------------------------------
def summarise(project_runs: list[dict], django_runs: list[dict], load: dict | None, cpu: dict | None = None) -> dict:
    names = [r["name"] for r in django_runs[0]["results"]]
    pages = []
    for name in names + [DASHBOARD]:
        proj = [next((p for p in r["results"] if p["name"] == name), None) for r in project_runs]
        dj = [next((p for p in r["results"] if p["name"] == name), None) for r in django_runs]
        entry = {"name": name,
                 "project_p95_ms": [round(p["p95_ms"], 1) for p in proj if p],
                 "project_p50_ms": [round(p["p50_ms"], 1) for p in proj if p],
                 "project_bytes": max((p["bytes"] for p in proj if p), default=0),
                 "project_errors": sum(p["error_count"] for p in proj if p),
                 "project_error_samples": [e for p in proj if p for e in p["errors"]][:3]}
        if cpu:
            entry["project_cpu_ms"] = cpu["project"].get(name)
            if name != DASHBOARD:
                entry["django_cpu_ms"] = cpu["django"].get(name)
        if name != DASHBOARD:
            entry.update({"django_p95_ms": [round(p["p95_ms"], 1) for p in dj if p],
                          "django_p50_ms": [round(p["p50_ms"], 1) for p in dj if p],
                          "django_bytes": max((p["bytes"] for p in dj if p), default=0),
                          "django_errors": sum(p["error_count"] for p in dj if p)})
            entry["ratio_p95"] = [round(p / d, 3) for p, d in zip(entry["project_p95_ms"], entry["django_p95_ms"])]
            ok = all(r <= RATIO_TARGET for r in entry["ratio_p95"]) and \
                all(p <= PAGE_P95_MS for p in entry["project_p95_ms"])
            if name == REFERENCE_PAGE:
                ok = ok and all(p <= REFERENCE_P95_MS for p in entry["project_p95_ms"])
            if name in LIST_PAGES:
                ok = ok and entry["project_bytes"] <= LIST_MAX_BYTES
        else:
            ok = all(p <= DASHBOARD_P95_MS for p in entry["project_p95_ms"])
        entry["meets_targets"] = bool(ok) and not entry["project_errors"]
        pages.append(entry)
    summary = {"pages": pages}
    if load:
        ratio = load["project"]["requests_per_s"] / max(load["django"]["requests_per_s"], 1e-9)
        summary["load"] = dict(load, throughput_ratio=round(ratio, 2),
                               meets_targets=ratio >= LOAD_RATIO and load["project"]["errors"] == 0)
    return summary


def print_table(summary: dict, meta: dict, out=None) -> None:
    out = out or sys.stdout
    w = max(len(p["name"]) for p in summary["pages"])
    out.write(f"\nproject ({meta['project_database']}) vs Django admin ({meta['django_database']}), p95 ms per run "
              f"(project, Django alternately), {meta['repeat']} rounds after {meta['warmup']} warm-ups\n")
    head = (f"{'page':<{w}}  {'Django p95':>15}  {'project p95':>15}  {'ratio':>13}  {'KB Dj/proj':>13}  "
            f"{'CPU ms Dj/proj':>15}  targets")
    out.write(head + "\n" + "-" * len(head) + "\n")
    for p in summary["pages"]:
        fmt = lambda xs, d=0: " / ".join(f"{x:.{d}f}" for x in xs)  # noqa: E731
        dj = fmt(p.get("django_p95_ms", []))
        ratio = fmt(p.get("ratio_p95", []), 2)
        kb = (f"{p['django_bytes'] / 1000:.1f}/" if "django_bytes" in p else "-/") + f"{p['project_bytes'] / 1000:.1f}"
        verdict = "met" if p["meets_targets"] else "NOT MET"
        if p["project_errors"]:
            verdict += f" ({p['project_errors']} errors: {p['project_error_samples'][:1]})"
        cpu = (f"{p['django_cpu_ms']}/" if p.get("django_cpu_ms") is not None else "-/") + \
            (f"{p['project_cpu_ms']}" if p.get("project_cpu_ms") is not None else "-")
        out.write(f"{p['name']:<{w}}  {dj or '-':>15}  {fmt(p['project_p95_ms']):>15}  {ratio or '-':>13}  "
                  f"{kb:>13}  {cpu:>15}  {verdict}\n")
    load = summary.get("load")
    if load:
        out.write(f"\nload {load['project']['seconds']:.0f} s, {load['project']['clients']} clients: project "
                  f"{load['project']['requests_per_s']:.1f} req/s (p95 {load['project']['p95_ms']} ms, "
                  f"{load['project']['errors']} errors), Django {load['django']['requests_per_s']:.1f} req/s "
                  f"(p95 {load['django']['p95_ms']} ms, {load['django']['errors']} errors): "
                  f"×{load['throughput_ratio']:.2f} — {'met' if load['meets_targets'] else 'NOT MET'}\n")
    out.write(f"load average before/after: {meta['loadavg_start']} / {meta['loadavg_end']}\n")


def markdown(before_file: str, after_file: str, out=None) -> None:
    """A before/after table (Markdown) from two compare.json files: p95 per run, ratio, size."""
    out = out or sys.stdout
    runs = [json.loads(Path(f).read_text(encoding="utf-8")) for f in (before_file, after_file)]
    after = {p["name"]: p for p in runs[1]["pages"]}
    fmt = lambda xs, d=0: " / ".join(f"{x:,.{d}f}" for x in xs) or "–"  # noqa: E731
    out.write("| page | Django p95 ms (before run) | project p95 ms before | ratio before | "
              "Django p95 ms (after run) | project p95 ms after | ratio after | KB before → after (Django) |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for p in runs[0]["pages"]:
        a = after.get(p["name"], {})
        out.write(f"| {p['name']} | {fmt(p.get('django_p95_ms', []))} | {fmt(p['project_p95_ms'])} | "
                  f"{fmt(p.get('ratio_p95', []), 2)} | {fmt(a.get('django_p95_ms', []))} | "
                  f"{fmt(a.get('project_p95_ms', []))} | {fmt(a.get('ratio_p95', []), 2)} | "
                  f"{p['project_bytes'] / 1000:.1f} → {a.get('project_bytes', 0) / 1000:.1f}"
                  f"{' (%.1f)' % (p['django_bytes'] / 1000) if 'django_bytes' in p else ''} |\n")
    if any("project_cpu_ms" in p for r in runs for p in r["pages"]):
        before = {p["name"]: p for p in runs[0]["pages"]}
        out.write("\n| page | Django CPU ms/request | project before | project after |\n|---|---:|---:|---:|\n")
        for p in runs[1]["pages"]:
            b = before.get(p["name"], {})
            dj = p.get("django_cpu_ms", b.get("django_cpu_ms"))
            cells = [dj, b.get("project_cpu_ms"), p.get("project_cpu_ms")]
            out.write(f"| {p['name']} | " + " | ".join("–" if c is None else f"{c:,.1f}" for c in cells) + " |\n")
    for label, r in (("before", runs[0]), ("after", runs[1])):
        load = r.get("load")
        if load:
            out.write(f"\nLoad ({label}): project {load['project']['requests_per_s']} req/s "
                      f"(p95 {load['project']['p95_ms']} ms, {load['project']['errors']} errors), Django "
                      f"{load['django']['requests_per_s']} req/s (p95 {load['django']['p95_ms']} ms, "
                      f"{load['django']['errors']} errors): ×{load['throughput_ratio']}.")
        out.write(f" Load average at start/end of the {label} run: {r['meta']['loadavg_start']} / "
                  f"{r['meta']['loadavg_end']}.\n")


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--markdown"]:
        if len(argv) != 3:
            raise SystemExit("usage: python -m bench.compare --markdown BEFORE.json AFTER.json")
        markdown(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or "",
                        help="the project's database (default bench/bench.db, or bench/peer/project-small.db)")
    parser.add_argument("--small", action="store_true", help=f"a few hundred rows ({SMALL}) in separate files")
    parser.add_argument("--work-dir", default=os.environ.get("BENCH_COMPARE_DIR") or str(WORK),
                        help="peer database and result files (the peer's venv stays in bench/peer/venv)")
    parser.add_argument("--runs", type=int, default=2, help="alternating pairs (project, Django)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--load-clients", type=int, default=4)
    parser.add_argument("--cpu-requests", type=int, default=10,
                        help="requests a page for the worker's CPU time per request (0: skip)")
    parser.add_argument("--output", default=str(OUT))
    args = parser.parse_args(argv)

    peer = peer_dir()
    if not (peer / "measure.py").exists():
        raise SystemExit(f"No Django peer at {peer} (set PEER_DIR)")
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    size = SMALL if args.small else FULL
    python = peer_python(WORK / "venv")
    peer_db = work / ("peer-small.sqlite3" if args.small else "peer.sqlite3")
    peer_database(python, peer, peer_db, size)
    from bench.generate import DEFAULT_URL

    url = args.database_url or ("sqlite:///" + str(work / "project-small.db") if args.small else DEFAULT_URL)
    url = project_database(url, size, work)

    project_paths = work / "project-paths.json"
    pages = project_pages(url)
    pages_with_dashboard = pages + [{"name": DASHBOARD, "path": "/admin/", "contains": 'id="dashboard'}]
    project_paths.write_text(json.dumps(pages_with_dashboard, ensure_ascii=False, indent=1), encoding="utf-8")
    django_paths = work / "django-paths.json"
    dpages = django_pages(peer, peer_db)
    django_paths.write_text(json.dumps(dpages, ensure_ascii=False, indent=1), encoding="utf-8")

    # The measured user signs in with a password only, as Django's superuser does: the benchmark
    # measures the pages, not the second factor (which stays required in every real deployment).
    env = dict(os.environ, DATABASE_URL=url, LOGIN_RATE_LIMIT=HIGH_LIMIT, PUBLIC_RATE_LIMIT=HIGH_LIMIT,
               MFA_REQUIRED_ROLES="")
    loadavg_start = os.getloadavg()
    servers = []
    try:
        project = Server("project", [sys.executable, "-m", "gunicorn"], ["app:create_app()"], ROOT, env, "/login",
                         work / "gunicorn-project.log")
        servers.append(project)
        django = Server("django", [str(WORK / "venv" / "bin" / "gunicorn")],
                        ["--chdir", str(peer / "peer"), "peer.wsgi:application"], peer / "peer", dict(os.environ, PEER_DB=str(peer_db)),
                        "/admin/login/", work / "gunicorn-django.log")
        servers.append(django)
        sides = {
            "project": {"base": project.base, "paths": project_paths, "login": "/login", "user_field": "email",
                        "user": "admin@bench.example", "password": "bench-password-1447"},
            "django": {"base": django.base, "paths": django_paths, "login": "/admin/login/",
                       "user_field": "username", "user": PEER_USER, "password": PEER_PASSWORD},
        }
        project_runs, django_runs = [], []
        for run in range(1, args.runs + 1):
            for name, runs in (("project", project_runs), ("django", django_runs)):
                log(f"run {run}: {name}")
                runs.append(run_measure(peer, sides[name], f"{name}-{run}", work / f"{name}-{run}.json",
                                        args.warmup, args.repeat))
        load = None
        if args.load_seconds > 0:
            measure = load_measure(peer)
            load = {}
            for name, side_pages in (("project", pages), ("django", dpages)):
                log(f"load: {name}, {args.load_seconds:.0f} s, {args.load_clients} clients")
                load[name] = run_load(measure, sides[name], side_pages, args.load_seconds, args.load_clients)
        cpu = None
        if args.cpu_requests > 0:
            measure = load_measure(peer)
            cpu = {}
            for name, side_pages, server in (("project", pages_with_dashboard, project), ("django", dpages, django)):
                log(f"cpu: {name}, {args.cpu_requests} requests a page")
                cpu[name] = run_cpu(measure, sides[name], side_pages, worker_pid(server.proc.pid), args.cpu_requests)
    finally:
        for server in reversed(servers):
            server.stop()

    summary = summarise(project_runs, django_runs, load, cpu)
    dialect = url.split(":", 1)[0].split("+")[0]
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "host": platform.node(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "project_database": dialect, "django_database": "sqlite",
            "size": size, "runs": args.runs, "repeat": args.repeat, "warmup": args.warmup,
            "loadavg_start": [round(x, 2) for x in loadavg_start],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()], "peer_dir": str(peer),
            "sqlite": sqlite3.sqlite_version}
    print_table(summary, meta)
    Path(args.output).write_text(json.dumps({"meta": meta, **summary, "project_pages": pages, "django_pages": dpages},
                                            ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nWritten to {args.output}")
    failed = [p["name"] for p in summary["pages"] if p["project_errors"]]
    if load and load["project"]["errors"]:
        failed.append("load")
    if failed:
        print("Pages that did not show the expected row:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
