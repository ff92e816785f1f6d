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


def dual_date_html(value: date | datetime | None, with_time: bool = False):
    """dual_date for HTML: each date in its own left-to-right island.

    After Arabic words the bidi algorithm turns European digits into Arabic numbers and the
    hyphens stop joining them, so '— 2026-11-22' showed as '22-11-2026'. <bdi> keeps each
    date whole whatever surrounds it; the text (and copy-paste) is unchanged.
    """
    from markupsafe import Markup, escape

    text = dual_date(value, with_time=with_time)
    if not text:
        return ""
    greg, _, rest = text.partition(" (")
    if not rest:
        return Markup('<bdi class="date" dir="ltr">{}</bdi>').format(greg)
    hij, _, suffix = rest.rstrip(")").partition(" ")
    return Markup('<span class="dual-date"><bdi class="date" dir="ltr">{}</bdi> (<bdi dir="ltr">{}</bdi> {})</span>').format(
        greg, hij, escape(suffix))


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
