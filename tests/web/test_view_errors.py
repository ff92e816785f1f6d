"""A save the database refuses is explained to the user, without SQL or personal data."""
from __future__ import annotations

import logging

from flask import get_flashed_messages
from sqlalchemy.exc import IntegrityError


def _view(app, endpoint):
    return next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == endpoint)


def test_integrity_error_is_a_plain_translated_message(app, caplog):
    view = _view(app, "channel")
    error = IntegrityError("INSERT INTO channel (code, name_ar) VALUES (?, ?)", ("phone", "أحمد العنزي 1058529940"),
                           Exception("UNIQUE constraint failed: channel.code"))
    with app.test_request_context("/admin/channel/new/?lang=ar"), caplog.at_level(logging.WARNING):
        assert view.handle_view_exception(error) is True
        messages = get_flashed_messages(with_categories=True)
    assert len(messages) == 1 and messages[0][0] == "error"
    text = messages[0][1]
    assert text.startswith("تعذر الحفظ")  # Arabic, the default language
    for leaked in ("INSERT", "UNIQUE", "1058529940", "العنزي"):
        assert leaked not in text
    assert "1058529940" not in caplog.text and "INSERT" not in caplog.text
    assert "channel" in caplog.text  # the log says where, not what


def test_sql_errors_never_carry_the_values(app):
    # hide_parameters: an error's message names the statement, never the names or ID numbers sent.
    from extensions import db

    assert db.engine.hide_parameters is True
