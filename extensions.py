"""Flask extensions, created once and bound to the app in create_app()."""
import sqlite3
from types import SimpleNamespace

import flask_babel
from flask.globals import _cv_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// by default, redis:// with several workers).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


SQLITE_SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def configure_sqlite(engine, synchronous: str = "NORMAL") -> None:
    """Each new SQLite connection of `engine`: WAL journal for a file database, then `synchronous`.

    NORMAL is safe from corruption only in WAL mode, so a database that could not be switched
    (another process holds it at that moment, or it lives in memory) keeps FULL."""
    if engine.dialect.name != "sqlite":
        return
    if synchronous not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode not in ("wal", "memory"):
                try:
                    mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                except sqlite3.OperationalError:  # locked by another process: next connection
                    pass
            cursor.execute(f"PRAGMA synchronous={synchronous if mode == 'wal' else 'FULL'}")
        finally:
            cursor.close()


FLASK_BABEL_OWN_CONTEXT = flask_babel._get_current_context  # kept for the test that compares them


def _babel_context():
    """Flask-Babel's per-app-context namespace (g._flask_babel), read with one context-variable
    lookup: Flask-Babel 4's own _get_current_context goes through the `g` proxy three times, and
    it runs three times for every translated string (a list page translates about a hundred)."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return None
    g = ctx.g
    try:
        return g._flask_babel
    except AttributeError:
        g._flask_babel = SimpleNamespace()
        return g._flask_babel


def speed_up_babel() -> None:
    """Use _babel_context in Flask-Babel (same result: tests/unit/test_engine_settings.py), once per process."""
    if getattr(flask_babel, "_get_current_context", None) is not _babel_context:
        flask_babel._get_current_context = _babel_context
