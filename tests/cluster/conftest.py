"""Several servers on one machine: PostgreSQL, Redis, an S3-compatible server (moto) and two gunicorn
app servers, all on 127.0.0.1. Opt-in (`make test-cluster`): CLUSTER_DATABASE_URL names an empty
PostgreSQL database (it is wiped).

The checks talk to the nodes over HTTP only; the set-up (users, a committee session) is written
straight into the shared database, as an administrator would have prepared it.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "cluster-test-secret-key-shared-by-every-node"
PASSWORD = "correct horse battery staple 2026"
BUCKET = "brs-cluster"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, what: str, seconds: float = 30.0) -> None:
    """Poll a condition (a server answering) until it holds, within a bound."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.ConnectionError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {seconds} s")


class Process:
    def __init__(self, name: str, args: list[str], env: dict | None = None, log_dir: Path | None = None):
        self.name, self.args, self.env, self.log_dir = name, args, env, log_dir
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        log = open(self.log_dir / f"{self.name}.log", "ab") if self.log_dir else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class Node(Process):
    """One app server: gunicorn with two worker processes, like a small production machine."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(name, [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                                "--graceful-timeout", "5", "app:create_app()"], env, log_dir)

    def start(self) -> "Node":
        super().start()
        wait_until(lambda: requests.get(self.url + "/healthz", timeout=2).status_code == 200, self.name)
        return self


class Cluster:
    def __init__(self, env: dict, tmp: Path):
        self.env, self.tmp = env, tmp
        self.processes: list[Process] = []

    def spawn(self, process: Process) -> Process:
        self.processes.append(process)
        return process.start()

    def node(self, name: str) -> Node:
        env = dict(self.env, UPLOAD_FOLDER=str(self.tmp / f"uploads-{name}"))  # never shared: files go to S3
        return self.spawn(Node(name, env, self.tmp))

    def worker(self, name: str) -> Process:
        return self.spawn(Process(name, [str(BIN / "flask"), "--app", "app", "outbox", "work", "--interval", "0.2"],
                                  dict(self.env, UPLOAD_FOLDER=str(self.tmp / f"uploads-{name}")), self.tmp))

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()


class FakeGateway:
    """An SMS gateway on 127.0.0.1 that takes the webhook adapter's JSON and remembers every message."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                import json

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with gateway.lock:
                    gateway.received.append(json.loads(body))
                    answer = json.dumps({"id": f"gw-{len(gateway.received)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeGateway":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _redis(port: int, tmp: Path) -> Process:
    return Process("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)], None, tmp)


@pytest.fixture(scope="session")
def cluster_url():
    url = os.environ.get("CLUSTER_DATABASE_URL")
    if not url:
        pytest.skip("set CLUSTER_DATABASE_URL to an empty PostgreSQL database (make test-cluster)")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return url


@pytest.fixture(scope="session")
def cluster(cluster_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    redis_port, s3_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_DATABASE", "FLASK_"))}
    env.update({
        "DATABASE_URL": cluster_url, "SECRET_KEY": SECRET,
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
        "LOGIN_RATE_LIMIT": "5 per minute",
        "STORAGE_URL": f"s3://{BUCKET}/uploads", "S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "AWS_ACCESS_KEY_ID": "cluster", "AWS_SECRET_ACCESS_KEY": "cluster-secret", "AWS_DEFAULT_REGION": "us-east-1",
        "PUBLIC_MIN_FILL_SECONDS": "0", "LOG_FORMAT": "json",
        # The outbox workers send SMS through the generic webhook to a fake gateway, all day, one
        # message a pass (so both workers keep reaching for the same rows).
        "SMS_BACKEND": "webhook", "MESSAGING_QUIET_HOURS": "off", "MESSAGING_RATE_PER_MINUTE": "10000",
        "MESSAGING_BATCH": "1",
    })
    gateway = FakeGateway().start()
    env["SMS_WEBHOOK_URL"] = gateway.url
    group = Cluster(env, tmp)
    group.gateway = gateway
    try:
        group.redis = group.spawn(_redis(redis_port, tmp))
        group.redis_port = redis_port
        group.s3 = group.spawn(Process("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
                                       None, tmp))
        wait_until(lambda: requests.get(env["S3_ENDPOINT_URL"], timeout=2).status_code < 500, "S3 server")
        import boto3

        group.bucket = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], region_name="us-east-1",
                                    aws_access_key_id="cluster", aws_secret_access_key="cluster-secret")
        group.bucket.create_bucket(Bucket=BUCKET)
        wait_until(lambda: _redis_ping(redis_port), "Redis")
        group.app = _prepare_database(env, tmp)
        group.a = group.node("node-a")
        group.b = group.node("node-b")
        yield group
    finally:
        group.close()
        gateway.stop()


def _redis_ping(port: int) -> bool:
    import redis

    return redis.Redis(port=port, socket_timeout=1).ping()


def _prepare_database(env: dict, tmp: Path):
    """Empty the database, migrate it and load the reference lists (as `make run` does)."""
    from sqlalchemy import text

    from app import create_app
    from extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"].replace("postgresql://",
                                                                               "postgresql+psycopg://", 1),
                      "SECRET_KEY": SECRET, "UPLOAD_FOLDER": str(tmp / "uploads-setup"),
                      "STORAGE_URL": env["STORAGE_URL"], "S3_ENDPOINT_URL": env["S3_ENDPOINT_URL"],
                      "RATELIMIT_STORAGE_URI": "memory://", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
    return app


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(base: str, email: str, password: str = PASSWORD) -> requests.Session:
    client = requests.Session()
    page = client.get(base + "/login", timeout=10)
    response = client.post(base + "/login", data={"email": email, "password": password,
                                                  "csrf_token": csrf_token(page.text)},
                           allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:2000]
    return client
