"""How the app sets up SQLite connections and Flask-Babel's per-request lookups (extensions.py)."""
from __future__ import annotations

import flask_babel
import pytest
from flask import g
from flask_babel import force_locale, gettext

from app import create_app
from extensions import FLASK_BABEL_OWN_CONTEXT, _babel_context, db


def _pragmas(app) -> tuple[str, int]:
    with app.app_context(), db.engine.connect() as conn:
        return (conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                conn.exec_driver_sql("PRAGMA synchronous").scalar())


def _app(url: str, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url, **config})


def test_a_sqlite_file_runs_in_wal_mode_without_waiting_for_the_disk_on_each_commit(tmp_path):
    assert _pragmas(_app(f"sqlite:///{tmp_path / 'a.db'}")) == ("wal", 1)  # 1 = NORMAL


def test_full_durability_can_be_chosen(tmp_path):
    assert _pragmas(_app(f"sqlite:///{tmp_path / 'b.db'}", SQLITE_SYNCHRONOUS="FULL")) == ("wal", 2)


def test_a_database_that_cannot_be_in_wal_mode_keeps_full():
    # An in-memory database has no WAL; NORMAL is only safe with one.
    assert _pragmas(_app("sqlite://")) == ("memory", 2)


def test_an_unknown_setting_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        _app(f"sqlite:///{tmp_path / 'c.db'}", SQLITE_SYNCHRONOUS="SOMETIMES")


def test_two_connections_share_the_wal_database(tmp_path):
    """A reader on one connection does not block a writer on another (the outbox worker beside
    the web server); the reader sees the write once it starts a new read."""
    app = _app(f"sqlite:///{tmp_path / 'd.db'}")
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        reader = db.engine.connect()
        reader.exec_driver_sql("BEGIN")
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
        with db.engine.begin() as writer:  # would wait for the reader in rollback-journal mode
            writer.exec_driver_sql("INSERT INTO t VALUES (1)")
        reader.rollback()
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        reader.close()


def test_babel_context_is_flask_babels_own(tmp_path):
    """The faster lookup returns what Flask-Babel's own function returns, in and out of a request."""
    app = _app(f"sqlite:///{tmp_path / 'e.db'}")
    assert flask_babel._get_current_context is _babel_context
    assert _babel_context() is None and FLASK_BABEL_OWN_CONTEXT() is None
    with app.test_request_context("/"):
        ours = _babel_context()
        assert ours is FLASK_BABEL_OWN_CONTEXT() is g._flask_babel
    with app.app_context():  # a new context, a new namespace
        assert FLASK_BABEL_OWN_CONTEXT() is _babel_context() is not ours


def test_translations_follow_the_language_and_force_locale(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'f.db'}")
    with app.test_request_context("/?lang=en"):
        english = gettext("Sign out")
        with force_locale("ar"):
            arabic = gettext("Sign out")
        assert gettext("Sign out") == english == "Sign out"
    assert arabic == "تسجيل الخروج"
    with app.test_request_context("/"):  # Arabic by default
        assert gettext("Sign out") == arabic
