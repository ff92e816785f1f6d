"""Application factory: `flask --app app run`, `gunicorn 'app:create_app()'`."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template, request, send_from_directory, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from extensions import babel, configure_sqlite, csrf, db, limiter, login_manager, migrate, speed_up_babel

ROOT = Path(__file__).resolve().parent
RTL_LANGUAGES = {"ar", "fa", "he", "ur"}


def select_locale() -> str:
    """?lang= switches and is remembered in the session; Arabic otherwise."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from admin_views.base import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter  # ids out of range: 404 (before any route)
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    speed_up_babel()
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from workflow import audit, log_redaction

    audit.install()
    log_redaction.install()  # exception messages (which may quote personal data) stay out of logs
    from workflow.messaging import events as message_events

    message_events.install()  # state changes write their messages into the outbox
    from workflow import followup

    followup.install()  # delivered requests get their follow-ups planned (workflow.events signal)

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id names a server-side session row (workflow/sessions.py): ended or expired, no user.
        from workflow.sessions import load_session_user

        user, ended = load_session_user(user_id)
        if ended and request.endpoint not in ("auth.logout", "static"):
            from flask import flash
            from flask_babel import gettext

            flash(gettext("Your session has ended. Please sign in again."), "info")
        return user

    _configure_logging(app)
    _register_template_helpers(app)
    _register_blueprints(app)
    _register_health(app)
    _register_security(app)
    _register_errors(app)

    from admin_views import init_admin

    init_admin(app)

    from cli import register_cli

    register_cli(app)
    return app


def _register_template_helpers(app: Flask) -> None:
    # Our templates first; Flask-Admin's theme also reachable as "flask_admin_original/...", so an
    # override can wrap the original instead of copying it (templates/admin/model/).
    import flask_admin
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

    admin_theme = Path(flask_admin.__file__).parent / "templates" / "bootstrap4"
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(ROOT / "templates")),
                                     PrefixLoader({"flask_admin_original": FileSystemLoader(str(admin_theme))})])
    # No blank lines and indentation left by {% %} tags: about 40 % of a list page was whitespace.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from admin_views.performance import StripIndentation

    app.jinja_env.add_extension(StripIndentation)
    app.json.ensure_ascii = False  # JSON in pages (list filters) as UTF-8: Arabic in 2 bytes, not 6
    from workflow.dates import dual_date_html, hijri

    app.jinja_env.filters["dual_date"] = dual_date_html
    app.jinja_env.filters["hijri"] = hijri
    from workflow.bidi import ltr, reference

    from workflow.bidi import LTR_FIELDS

    app.jinja_env.filters.update(ltr=ltr, ref=reference)  # LTR values in RTL text, one way everywhere
    app.jinja_env.globals["ltr_fields"] = LTR_FIELDS
    from workflow.dates import days_left_text, overdue_text

    from workflow.notify import delivery_label

    app.jinja_env.globals.update(days_left_text=days_left_text, overdue_text=overdue_text, delivery_label=delivery_label)

    import forms.accessibility

    app.jinja_env.globals["form_a11y"] = forms.accessibility
    from admin_views.base import main_menu, static_url

    app.jinja_env.globals["main_menu"] = main_menu  # written once per role, language and screen
    app.jinja_env.globals["static_url"] = static_url  # each static file's URL built once

    @app.context_processor
    def language_context():
        lang = str(get_locale() or "ar")
        def lang_url(target: str) -> str:
            args = request.args.to_dict(flat=False)
            args["lang"] = [target]
            from urllib.parse import urlencode

            return request.path + "?" + urlencode(args, doseq=True)

        return {
            "lang_url": lang_url,
            "current_lang": lang,
            "text_dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "other_lang": "en" if lang == "ar" else "ar",
        }


def _register_blueprints(app: Flask) -> None:
    from admin_views.auth import bp as auth_bp
    from public import bp as public_bp
    from public.receipts import bp as receipts_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(receipts_bp)  # delivery receipts from message providers

    # Front-end packages installed by npm (never copied into the repository).
    vendor_root = ROOT / "node_modules"

    @app.route("/vendor/bootstrap-rtl/<path:filename>")
    def vendor_bootstrap_rtl(filename: str):
        return send_from_directory(vendor_root / "bootstrap-v4-rtl" / "dist", filename, max_age=86400)


def _configure_logging(app: Flask) -> None:
    """LOG_FORMAT=json: one JSON object per line on stderr (time, level, logger, message) for a
    log collector; otherwise the usual text lines. Messages never carry personal data."""
    import logging

    if app.config.get("LOG_FORMAT") != "json":
        return
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                              rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    root = logging.getLogger()
    if not any(getattr(h, "_brs_json", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._brs_json = True
        root.addHandler(handler)
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(logging.INFO)
    app.logger.handlers.clear()  # propagate to the root's JSON handler only
    app.logger.propagate = True


def _register_health(app: Flask) -> None:
    from flask import jsonify

    from workflow.health import readiness

    @app.route("/healthz")
    @limiter.exempt
    def healthz():
        response = jsonify(status="ok")
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.route("/readyz")
    @limiter.exempt
    def readyz():
        ready, checks = readiness()
        response = jsonify(status="ok" if ready else "unavailable", checks=checks)
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response


# Public pages that show a person's request, status or what they typed: never kept in a cache.
NO_STORE_ENDPOINTS = {"public.request_done", "public.status", "public.service_request", "public.volunteer",
                      "public.survey", "auth.login", "auth.login_code"}


def csp_nonce() -> str:
    """This response's CSP nonce (one per request), for the few <script>/<style> that need one."""
    from flask import g
    import secrets

    if not hasattr(g, "csp_nonce"):
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    # img-src data: for the enrolment QR code (an SVG data: URI) and Bootstrap's inline SVG icons.
    return (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _register_security(app: Flask) -> None:
    from workflow.security import check_rate_limit_storage, enforce_mfa_enrolment

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(enforce_mfa_enrolment)
    check_rate_limit_storage(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if getattr(current_user, "is_authenticated", False) or request.endpoint in NO_STORE_ENDPOINTS:
            # Personal data must not linger in shared browsers' caches.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        response.vary.add("Cookie")
        return response


def _register_errors(app: Flask) -> None:
    messages = {
        400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
        403: (_l("Not allowed"), _l("Your role does not allow this page or action.")),
        404: (_l("Page not found"), _l("The page you asked for does not exist.")),
        405: (_l("Not allowed"), _l("This action is not allowed here.")),
        413: (_l("File too large"), _l("The file is larger than the allowed size (%(mb)d MB).")),
        429: (_l("Too many attempts"), _l("Too many attempts. Please wait a little and try again.")),
        500: (_l("Something went wrong"), _l("An unexpected error happened. Nothing was saved. Please try again.")),
    }

    from flask_wtf.csrf import CSRFError

    def render_error(code: int, title, text):
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_template("error.html", code=code, title=title, text=str(text) % {"mb": mb}
                               if "%(mb)" in str(text) else text), code

    for code, (title, text) in messages.items():
        app.register_error_handler(code, lambda e, c=code, t=title, x=text: render_error(c, t, x))

    @app.errorhandler(403)
    def forbidden(e):
        # Every refusal is in the audit trail: who tried which screen (its name, never its URL's data).
        from flask import g

        from workflow.audit import record_access

        table, record = getattr(g, "forbidden_record", ("", ""))
        db.session.rollback()
        record_access("forbidden", table, record, note=request.endpoint or "")
        return render_error(403, *messages[403])

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(400, _l("Form expired"),
                            _l("The form has expired or was not sent from this site. Please reload the page and try again."))
