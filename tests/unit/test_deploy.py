"""The deployment files under deploy/ are valid and say what the README promises."""
from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_file_has_every_part_wired_together():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "minio", "bucket", "web", "worker"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    web, worker = services["web"], services["worker"]
    for app in (web, worker):
        env = app["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
        assert env["STORAGE_URL"].startswith("s3://") and env["S3_ENDPOINT_URL"] == "http://minio:9000"
        assert app["build"]["dockerfile"] == "deploy/Dockerfile"
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert worker["command"] == ["flask", "--app", "app", "outbox", "work"]
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    assert web["ports"] == ["127.0.0.1:8000:8000"]  # only the reverse proxy reaches it
    # The bucket is created private.
    assert "anonymous set none" in " ".join(services["bucket"]["command"])
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        env_file = DEPLOY / "brs.env"
        created = not env_file.exists()
        if created:
            shutil.copy(DEPLOY / "brs.env.example", env_file)
        try:
            result = subprocess.run(["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
        finally:
            if created:
                env_file.unlink()


def test_dockerfile_builds_assets_and_runs_migrations_then_gunicorn():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "npm ci" in text and "pip install -e ." in text and "pybabel compile" in text
    assert "USER brs" in text and "db upgrade" in text and "gunicorn" in text and "/healthz" in text
    ignored = (DEPLOY.parent / ".dockerignore").read_text().split()
    assert {".git", ".venv", "node_modules", "instance"} <= set(ignored)


@pytest.mark.parametrize("unit, command", [("brs-web.service", "gunicorn"), ("brs-worker.service", "outbox work")])
def test_systemd_units(unit, command):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / unit).read_text())
    service = parser["Service"]
    assert command in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/brs/brs.env" and service["User"] == "brs"
    assert service["NoNewPrivileges"] == "true" and service["ProtectSystem"] == "strict"
    assert parser["Install"]["WantedBy"] == "multi-user.target"
    if unit == "brs-web.service":
        assert "%(U)s" in service["ExecStart"]  # paths only in the access log


def test_nginx_site_passes_nginx_t(tmp_path):
    site = (DEPLOY / "nginx" / "brs.conf").read_text()
    assert "Strict-Transport-Security" in site and "max-age=31536000" in site
    assert "gzip on;" in site and "$uri" in site and "$request " not in site
    assert "X-Forwarded-For" in site and "X-Forwarded-Proto" in site
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).exists() or not openssl:
        pytest.skip("nginx or openssl not installed")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=brs.example.org", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
    site = site.replace("/etc/ssl/brs/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "brs.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp_path}/body; "
        f"proxy_temp_path {tmp_path}/proxy; include {tmp_path}/brs.conf; }}\n")
    result = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_gunicorn_settings_collect_garbage_between_requests():
    """gunicorn.conf.py (read by gunicorn from the repository root): the loaded app is frozen, and
    again after full collections while the worker warms up; collections run after a response, not
    in the middle of a page (unless a request allocates a great deal)."""
    import gc
    import runpy
    from types import SimpleNamespace

    conf = runpy.run_path(str(DEPLOY.parent / "gunicorn.conf.py"))
    worker = SimpleNamespace(nr=0)
    thresholds = gc.get_threshold()
    try:
        conf["post_worker_init"](worker)
        frozen = gc.get_freeze_count()
        assert frozen > 0 and gc.get_threshold()[0] == conf["IN_REQUEST_THRESHOLD"]
        worker.nr = 1
        conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() == frozen  # no full collection since: nothing more to freeze
        young = [[i] for i in range(2 * conf["YOUNG"])]  # a page's worth of allocations
        assert gc.get_count()[0] > conf["YOUNG"]
        collected = gc.get_stats()[0]["collections"]
        conf["post_request"](worker, None, {}, None)
        assert gc.get_stats()[0]["collections"] == collected + 1 and gc.get_count()[0] < conf["YOUNG"]
        gc.collect()  # a full collection during the warm-up: its survivors are frozen next
        conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() >= frozen + len(young)
        after_warm_up = gc.get_freeze_count()
        more = [[i] for i in range(1000)]
        gc.collect()
        worker.nr = conf["WARM_UP_REQUESTS"] + 1
        conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() == after_warm_up and more
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
