"""Gregorian + Hijri (Umm al-Qura) display of dates, as people read them here."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from hijridate import Gregorian
from markupsafe import Markup, escape

from flask_babel import get_locale


def local_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Riyadh") if has_app_context() else "Asia/Riyadh"
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(local_zone())


@lru_cache(maxsize=8192)
def _hijri_of(day: date) -> str:
    # A timeline page shows hundreds of dates over a few days: convert each day once.
    try:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def hijri(value: date | datetime) -> str:
    """'1447-03-23' for 2025-09-15 (Umm al-Qura). Empty outside its supported range."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return _hijri_of(value)


def _suffix() -> str:
    try:
        lang = str(get_locale() or "ar")
    except Exception:  # outside a request
        lang = "ar"
    return "هـ" if lang.startswith("ar") else "AH"


def _gregorian_and_hijri(value: date | datetime, with_time: bool) -> tuple[str, str]:
    if isinstance(value, datetime):
        local = to_local(value)
        return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"), _hijri_of(local.date())
    return value.isoformat(), _hijri_of(value)


def dual_date(value: date | datetime | None, with_time: bool = False) -> str:
    """'2025-09-15 (1447-03-23 هـ)'; with_time adds the local time of day."""
    if value is None:
        return ""
    greg, h = _gregorian_and_hijri(value, with_time)
    return f"{greg} ({h} {_suffix()})" if h else greg


def hijri_year(value: date | datetime) -> int:
    h = hijri(value)
    return int(h[:4]) if h else value.year


def dual_date_html(value: date | datetime | None, with_time: bool = False):
    """dual_date for HTML: each date in its own left-to-right island.

    After Arabic words the bidi algorithm turns European digits into Arabic numbers and the
    hyphens stop joining them, so '— 2026-11-22' showed as '22-11-2026'. <bdi> keeps each
    date whole whatever surrounds it; the text (and copy-paste) is unchanged.
    """
    if value is None:
        return ""
    greg, h = _gregorian_and_hijri(value, with_time)  # digits, '-' and ':' only: nothing to escape
    if not h:
        return Markup(f'<bdi class="date" dir="ltr">{greg}</bdi>')
    return Markup(f'<span class="dual-date"><bdi class="date" dir="ltr">{greg}</bdi> '
                  f'(<bdi dir="ltr">{h}</bdi> {escape(_suffix())})</span>')


def days_left_text(n: int) -> str:
    """'10 days left' / 'بقي 10 أيام' with the Arabic counted noun agreeing with the number."""
    from flask_babel import gettext as _

    from workflow.policy import current_lang, period_phrase

    return _("%(period)s left", period=period_phrase(int(n), current_lang()))


def overdue_text(n: int) -> str:
    """'overdue by 16 days' / 'متأخر 16 يومًا'."""
    from flask_babel import gettext as _

    from workflow.policy import current_lang, period_phrase

    return _("overdue by %(period)s", period=period_phrase(int(n), current_lang()))
