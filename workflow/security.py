"""Request-wide security rules: forced MFA enrolment, and the rate-limit storage check."""
from __future__ import annotations

import logging
import os
import re
import shlex
import sys

from flask import current_app, redirect, request, url_for
from flask_login import current_user

log = logging.getLogger(__name__)

# What a person whose role requires MFA may still open before enrolling.
ENROLMENT_ENDPOINTS = {"account.mfa", "auth.logout", "auth.login", "auth.login_code", "static", "admin.static",
                       "vendor_bootstrap_rtl"}


def enforce_mfa_enrolment():
    """Roles in MFA_REQUIRED_ROLES reach no admin screen before their second factor is set up."""
    if not getattr(current_user, "is_authenticated", False) or current_user.has_mfa:
        return None
    if not request.path.startswith("/admin") or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    from workflow.mfa import required_for

    if required_for(current_user):
        return redirect(url_for("account.mfa"))
    return None


def _workers_from_args(args: list[str]) -> int:
    for i, arg in enumerate(args):
        match = re.fullmatch(r"(?:-w|--workers)=?(\d*)", arg)
        if match:
            value = match.group(1) or (args[i + 1] if i + 1 < len(args) else "")
            if value.isdigit():
                return int(value)
        if re.fullmatch(r"-w\d+", arg):
            return int(arg[2:])
    return 0


def worker_processes(environ=None, argv=None) -> int:
    """How many server processes will each hold their own memory:// counters, as far as we can tell.

    Gunicorn is told its worker count by `-w/--workers` on its command line (sys.argv of the
    master, inherited by the forked workers), by GUNICORN_CMD_ARGS or by WEB_CONCURRENCY; other
    servers can declare theirs in WEB_CONCURRENCY. 1 when none says more.
    """
    environ = os.environ if environ is None else environ
    argv = sys.argv if argv is None else argv
    counts = [1]
    if argv and os.path.basename(argv[0]).startswith("gunicorn"):
        counts.append(_workers_from_args(list(argv[1:])))
    try:
        counts.append(_workers_from_args(shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))))
    except ValueError:
        pass
    concurrency = environ.get("WEB_CONCURRENCY", "")
    if concurrency.strip().isdigit():
        counts.append(int(concurrency))
    return max(counts)


def check_rate_limit_storage(app, environ=None, argv=None) -> bool:
    """Warn (log, and the admin home page) when several workers would each count on their own."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    workers = worker_processes(environ, argv)
    warn = storage.startswith("memory://") and workers > 1
    app.config["RATE_LIMIT_STORAGE_WARNING"] = warn
    if warn:
        log.warning("RATELIMIT_STORAGE_URI is memory:// with %d worker processes: each counts failed sign-ins "
                    "on its own, so the limits are %d times looser. Set RATELIMIT_STORAGE_URI=redis://... "
                    "(see README, Deployment).", workers, workers)
    return warn


def rate_limit_warning() -> bool:
    return bool(current_app.config.get("RATE_LIMIT_STORAGE_WARNING"))
