"""Liveness and readiness, for a load balancer in front of several app servers.

/healthz says only that the process answers. /readyz checks each shared part this server needs to
serve people: the database, the rate-limit store when it is a shared one (Redis), and the file
store (local folder or S3 bucket). Answers carry no personal data and no connection details.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from extensions import db

log = logging.getLogger(__name__)


def _database() -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _rate_limits() -> None:
    from limits.storage import storage_from_string

    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    # A storage object of our own (cached per app) with a short timeout: the limiter's may fall back
    # to memory when Redis is down, which must not hide the outage from the load balancer.
    storage = current_app.extensions.get("readyz_limits_storage")
    if storage is None:
        options = {"socket_timeout": 1, "socket_connect_timeout": 1} if uri.startswith(("redis", "rediss")) else {}
        storage = current_app.extensions["readyz_limits_storage"] = storage_from_string(uri, **options)
    if not storage.check():
        raise ConnectionError("rate-limit storage did not answer")


def _files() -> None:
    from workflow.storage import file_store

    file_store().check()


CHECKS = {"database": _database, "rate_limits": _rate_limits, "storage": _files}


def readiness() -> tuple[bool, dict[str, str]]:
    """(all ready, {check: 'ok' | 'failed'}); failures are logged by kind only."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "failed"
    if results.get("database") == "failed":
        db.session.rollback()
    return all(v == "ok" for v in results.values()), results
