"""The published policy, built from the live configuration."""
from __future__ import annotations

import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from extensions import db
from models.reference import Channel, StaffTool
from models.service import VerificationMechanism
from workflow.applications import DEFAULT_DECISION_PERIOD_DAYS
from workflow.policy_templates import get_profile

MECHANISM_LABELS = {
    VerificationMechanism.ADMINISTRATIVE_REVIEW: _l("Administrative review of documents"),
    VerificationMechanism.PERSONAL_INTERVIEW: _l("Personal interview"),
    VerificationMechanism.FIELD_VISIT: _l("Field visit"),
}


def arabic_days(n: int, genitive: bool = False) -> str:
    """Arabic counted noun for days: 1 يوم واحد, 2 يومان (يومين after a preposition),
    3–10 ... أيام, 11 and above ... يومًا (the tamyīz is singular and accusative)."""
    n = int(n)
    if n == 1:
        return "يوم واحد"
    if n == 2:
        return "يومين" if genitive else "يومان"
    if 3 <= n % 100 <= 10:
        return f"{n} أيام"
    return f"{n} يومًا"


def english_days(n: int) -> str:
    return "1 day" if int(n) == 1 else f"{int(n)} days"


_AR_DAYS = re.compile(r"\{days\}\s*(?:يومًا|يوماً|يوما|أيام|ايام|يوم)?")
_EN_DAYS = re.compile(r"\{days\}\s*(?:days?)?")


def fill_days(text: str, days: int, lang: str) -> str:
    """Put the period into a step; the Arabic noun follows the number (the steps say خلال {days} …)."""
    if lang == "ar":
        return _AR_DAYS.sub(arabic_days(days, genitive=True), text or "")
    return _EN_DAYS.sub(english_days(days), text or "")


def period_phrase(days: int, lang: str) -> str:
    return arabic_days(days) if lang == "ar" else english_days(days)


def _pick(item: dict, lang: str) -> str:
    if not isinstance(item, dict):
        return str(item or "")
    return (item.get(lang) or item.get("ar") or "") if lang == "en" else (item.get("ar") or item.get("en") or "")


def current_lang() -> str:
    try:
        return "en" if str(get_locale() or "ar") == "en" else "ar"
    except Exception:
        return "ar"


def _contact_branches(profile) -> list:
    """The active branch offices, as contact points, when the policy has branches."""
    from models.branch import Branch

    if not (profile.features or {}).get("branches"):
        return []
    return list(db.session.scalars(db.select(Branch).where(Branch.active.is_(True)).order_by(Branch.name_ar)))


def policy_context() -> dict:
    """Everything the /policy page shows, in the reader's language."""
    lang = current_lang()
    profile = get_profile(create=False)
    days = profile.default_decision_period_days or DEFAULT_DECISION_PERIOD_DAYS
    en = lang == "en"
    ev = profile.eligibility_verification or {}
    return {
        "profile": profile,
        "lang": lang,
        "org_name": (profile.name_en if en and profile.name_en else profile.name_ar) or "",
        "committee": (profile.committee_name_en if en and profile.committee_name_en else profile.committee_name_ar),
        "general_goal": (profile.general_goal_en if en and profile.general_goal_en else profile.general_goal_ar),
        "detailed_goals": [_pick(g, lang) for g in profile.detailed_goals or []],
        "channels": list(db.session.scalars(db.select(Channel).where(Channel.active.is_(True))
                                            .order_by(Channel.sort_order, Channel.id))),
        "branches": _contact_branches(profile),
        "tools": list(db.session.scalars(db.select(StaffTool).where(StaffTool.active.is_(True))
                                         .order_by(StaffTool.sort_order, StaffTool.id))),
        "steps": [fill_days(_pick(s, lang), days, lang) for s in profile.handling_steps or []],
        "days": days,
        "days_phrase": period_phrase(days, lang),
        "mechanisms": [MECHANISM_LABELS.get(m, m) for m in profile.verification_mechanisms or []],
        "verification_steps": [_pick(s, lang) for s in ev.get("steps", [])],
        "verification_purposes": [_pick(s, lang) for s in ev.get("purposes", [])],
        "board": {
            "resolution_no": profile.board_resolution_no,
            "meeting_no": profile.board_meeting_no,
            "date": profile.board_approval_date,
        },
    }
