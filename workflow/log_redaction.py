"""No personal data in logs: an exception's message often quotes the values it choked on (openpyxl
quotes the whole cell, a parser the line it read, a driver the row), so a logged exception keeps
its type and its traceback (where it happened) but not its message.

Installed once per process as a log-record factory, so it covers every logger (the app's, Flask-
Admin's, gunicorn's) and every handler, whoever configures them.
"""
from __future__ import annotations

import logging
import traceback

WITHHELD = "[message withheld: it may contain personal data]"
_installed = False


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of `exc` (and of the exceptions it came from) with every message withheld."""
    parts = []
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        lines = ["Traceback (most recent call last):\n", *traceback.format_tb(current.__traceback__),
                 f"{kind.__module__}.{kind.__qualname__}: {WITHHELD}\n"]
        parts.append("".join(lines))
        nxt = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        current = nxt
    # The first cause first, as Python prints it.
    return "\nThe above exception led to the following one:\n\n".join(reversed(parts))


def redact(record: logging.LogRecord) -> logging.LogRecord:
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redacted_traceback(record.exc_info[1]).rstrip("\n")
        record.exc_info = None
    return record


def install() -> None:
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        return redact(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
