"""Figures a process keeps for a short while instead of reading them on every page.

Only for what changes rarely and may be a minute old without anyone minding: the board's
90-day figures, the values a list filter offers (the cities in use, the active branches).
Each process keeps its own copy (several servers each read them once a minute); 0 seconds
means always read, which is what the tests use.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from flask import current_app

_KEPT: dict = {}
FILTER_GROUPS = "filter_groups"  # a list screen's filters with their options (admin_views.registry)


def kept(name: str, key: Any, seconds: float, compute: Callable[[], Any]) -> Any:
    """compute(), kept by this process for `seconds` under (this app, name, key)."""
    if not seconds:
        return compute()
    now = time.monotonic()
    full_key = (id(current_app._get_current_object()), name, key)
    entry = _KEPT.get(full_key)
    if entry is not None and now - entry[0] < seconds:
        return entry[1]
    value = compute()
    # Yesterday's, other users': dropped from a copy of the keys, so another thread (a threaded
    # server) adding or dropping an entry meanwhile changes nothing here.
    for old, (at, _value) in list(_KEPT.items()):
        if now - at >= seconds:
            _KEPT.pop(old, None)
    _KEPT[full_key] = (now, value)
    return value


def seconds_for(setting: str, default: float = 60) -> float:
    """How long to keep something: the setting, else `default` (0 when testing: always fresh)."""
    return current_app.config.get(setting, 0 if current_app.testing else default)


def forget(name: str) -> None:
    """Drop what this process keeps under `name` (after a change it made itself)."""
    for key in list(_KEPT):
        if key[1] == name:
            _KEPT.pop(key, None)
