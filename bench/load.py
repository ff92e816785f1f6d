"""Load run: the app under gunicorn, a pure-Python load generator on loopback.

    python -m bench.load [--seconds 60] [--workers 4] [--clients 8] [--database-url URL]

Starts gunicorn (sync workers) on 127.0.0.1 on a free port against the bench
database, signs each client thread in through /login, then for `--seconds`
requests a weighted mix of the scenario pages that answer (lists, searches,
details) and public form posts (a fresh CSRF token from the form each time).
Reports requests/s, p50/p95 and the error count (anything but 2xx/3xx, and
connection failures), then stops gunicorn. Exit status 1 when there were errors.

Rate limits stay ON, raised for the run through the environment:
LOGIN_RATE_LIMIT and PUBLIC_RATE_LIMIT ("100000 per minute"); PUBLIC_MIN_FILL_SECONDS=0
(the public forms' minimum fill time: the load generator posts at once). With several
workers use RATELIMIT_STORAGE_URI=redis://... in production so the limits are
shared between workers (memory:// counts per worker).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.generate import DEFAULT_DB, DEFAULT_URL, PASSWORD, normalise_url
from bench.run import Missing, ROLE_EMAIL, build_url, form_fields, make_app, resolve_lookups
from bench.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
# Scenario name -> weight in the mix. Exports are left out (one export is a minute of lists).
MIX = {
    "users list": 2, "audit list p1": 3, "audit list p2000": 1, "audit search": 1, "audit filter action+table": 1,
    "beneficiaries p1": 4, "beneficiaries p2000": 1, "beneficiary name search": 4, "beneficiary ID search": 3,
    "beneficiaries city+gender": 2, "request reference search": 2,
    "requests city+status": 2, "requests overdue": 2, "beneficiary details": 4, "request details": 3,
    "session 50 items": 1, "dashboard": 2, "volunteer form POST": 2,
}
HIGH_LIMIT = "100000 per minute"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:  # 3xx (not followed) and 4xx/5xx
            return exc.code, exc.read()

    def sign_in(self, email: str) -> None:
        status, page = self.request("/login")
        token = form_fields(page.decode()).get("csrf_token", "")
        status, _ = self.request("/login", {"email": email, "password": PASSWORD, "csrf_token": token})
        if status != 302:
            raise RuntimeError(f"sign-in failed for {email}: HTTP {status}")


def wait_for(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited early; see its output above.")
        try:
            with urllib.request.urlopen(base + "/login", timeout=2):
                return
        except Exception:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time.")


def plan(url: str) -> list[tuple[str, str, str, int, object]]:
    """(name, method, path, weight, form builder) for the scenarios whose pages exist."""
    app = make_app(url)
    lookups = resolve_lookups(app)
    probe = app.test_client()
    items = []
    for scenario in SCENARIOS:
        weight = MIX.get(scenario.name, 0)
        if not weight:
            continue
        try:
            path = build_url(app, scenario, lookups)
        except Missing:
            continue
        if probe.get(path).status_code == 404:  # not built yet (reported as missing by bench.run)
            continue
        items.append((scenario.name, scenario.method, path, weight, scenario.form, scenario.role))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 2) * 2))
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    args = parser.parse_args(argv)
    url = normalise_url(args.database_url)
    if url == DEFAULT_URL and not DEFAULT_DB.exists():
        raise SystemExit("No bench/bench.db: run `python -m bench.generate` first.")

    items = plan(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=url, LOGIN_RATE_LIMIT=HIGH_LIMIT, PUBLIC_RATE_LIMIT=HIGH_LIMIT,
               PUBLIC_MIN_FILL_SECONDS="0", MFA_REQUIRED_ROLES="")  # as in bench/run.py
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning", "--timeout", "60", "app:create_app()"]
    print(f"gunicorn: {args.workers} workers on {base}; {args.clients} clients for {args.seconds:.0f} s")
    print("rate limits on, raised for the run: LOGIN_RATE_LIMIT / PUBLIC_RATE_LIMIT =", HIGH_LIMIT)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        wait_for(base, proc)
        return drive(base, items, args.seconds, args.clients)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def drive(base: str, items, seconds: float, clients: int) -> int:
    names = [i[0] for i in items]
    weights = [i[3] for i in items]
    print("mix:", ", ".join(f"{n} ×{w}" for n, w in zip(names, weights)))
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {n: [] for n in names}
    errors: dict[str, int] = {n: 0 for n in names}
    samples: list[str] = []
    stop_at = time.perf_counter() + seconds
    start = time.perf_counter()

    def worker(k: int) -> None:
        rng = random.Random(k)
        staff = Client(base)
        staff.sign_in(ROLE_EMAIL["admin"])
        public = Client(base)
        iteration = 0
        while time.perf_counter() < stop_at:
            name, method, path, _w, form, role = rng.choices(items, weights)[0]
            client = staff if role else public
            iteration += 1
            t0 = time.perf_counter()
            try:
                if method == "POST":
                    status, page = client.request(path)
                    data = form_fields(page.decode())
                    if form:
                        ctx = type("Ctx", (), {"iteration": k * 1_000_000 + iteration})()
                        data.update({f: v for f, v in form(ctx).items() if f in data})
                    status, body = client.request(path, data)
                else:
                    status, body = client.request(path)
                ok = 200 <= status < 400
            except Exception as exc:  # connection refused/reset, timeout
                status, ok = repr(exc), False
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies[name].append(elapsed)
                if not ok:
                    errors[name] += 1
                    if len(samples) < 10:
                        samples.append(f"{name}: {status}")

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.perf_counter() - start
    total = sum(len(v) for v in latencies.values())
    all_ms = sorted(x for v in latencies.values() for x in v)
    print(f"\n{'page':<30} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for name in names:
        values = sorted(latencies[name])
        if not values:
            continue
        p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
        print(f"{name:<30} {len(values):>9} {statistics.median(values):>8.1f} {p95:>8.1f} {errors[name]:>7}")
    n_err = sum(errors.values())
    p95_all = all_ms[max(0, int(round(0.95 * len(all_ms))) - 1)] if all_ms else 0
    print(f"\n{total} requests in {duration:.1f} s = {total / duration:.1f} requests/s; "
          f"p95 {p95_all:.1f} ms (client side, including the form GET for posts); errors: {n_err}")
    for line in samples:
        print("  error:", line)
    return 1 if n_err else 0


if __name__ == "__main__":
    sys.exit(main())
