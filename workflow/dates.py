"""Gregorian + Hijri (Umm al-Qura) display of dates, as people read them here."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from hijridate import Gregorian

from flask_babel import get_locale


def local_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Riyadh") if has_app_context() else "Asia/Riyadh"
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(local_zone())


def hijri(value: date | datetime) -> str:
    """'1447-03-23' for 2025-09-15 (Umm al-Qura). Empty outside its supported range."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    try:
        h = Gregorian(value.year, value.month, value.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def _suffix() -> str:
    try:
        lang = str(get_locale() or "ar")
    except Exception:  # outside a request
        lang = "ar"
    return "هـ" if lang.startswith("ar") else "AH"


def dual_date(value: date | datetime | None, with_time: bool = False) -> str:
    """'2025-09-15 (1447-03-23 هـ)'; with_time adds the local time of day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = to_local(value)
        greg = local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    else:
        greg = value.isoformat()
    h = hijri(value)
    return f"{greg} ({h} {_suffix()})" if h else greg


def hijri_year(value: date | datetime) -> int:
    h = hijri(value)
    return int(h[:4]) if h else value.year
