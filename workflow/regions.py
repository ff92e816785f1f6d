"""The 13 administrative regions of Saudi Arabia: the one list every form (staff and public),
the eligibility criteria and the reports use. A region is stored by its code (`riyadh`) and
shown by its name in the reader's language (الرياض / Riyadh)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from workflow.arabic import fold_arabic

# The 13 administrative regions (stored by code, shown translated).
REGIONS: dict[str, Any] = {
    "riyadh": _l("Riyadh"),
    "makkah": _l("Makkah"),
    "madinah": _l("Madinah"),
    "qassim": _l("Qassim"),
    "eastern": _l("Eastern Province"),
    "asir": _l("Asir"),
    "tabuk": _l("Tabuk"),
    "hail": _l("Hail"),
    "northern_borders": _l("Northern Borders"),
    "jazan": _l("Jazan"),
    "najran": _l("Najran"),
    "bahah": _l("Al-Bahah"),
    "jouf": _l("Al-Jouf"),
}
# Spellings met in spreadsheets (folded Arabic and lower-case English) -> code.
_REGION_ALIASES = {
    "الرياض": "riyadh", "منطقه الرياض": "riyadh", "riyadh": "riyadh",
    "مكه": "makkah", "مكه المكرمه": "makkah", "منطقه مكه المكرمه": "makkah", "makkah": "makkah", "mecca": "makkah",
    "المدينه": "madinah", "المدينه المنوره": "madinah", "منطقه المدينه المنوره": "madinah", "madinah": "madinah",
    "medina": "madinah",
    "القصيم": "qassim", "منطقه القصيم": "qassim", "qassim": "qassim",
    "الشرقيه": "eastern", "المنطقه الشرقيه": "eastern", "eastern": "eastern", "eastern province": "eastern",
    "عسير": "asir", "منطقه عسير": "asir", "asir": "asir",
    "تبوك": "tabuk", "منطقه تبوك": "tabuk", "tabuk": "tabuk",
    "حايل": "hail", "حائل": "hail", "منطقه حايل": "hail", "hail": "hail", "ha'il": "hail",
    "الحدود الشماليه": "northern_borders", "منطقه الحدود الشماليه": "northern_borders",
    "northern borders": "northern_borders",
    "جازان": "jazan", "جيزان": "jazan", "منطقه جازان": "jazan", "jazan": "jazan", "jizan": "jazan",
    "نجران": "najran", "منطقه نجران": "najran", "najran": "najran",
    "الباحه": "bahah", "منطقه الباحه": "bahah", "bahah": "bahah", "al-bahah": "bahah", "al bahah": "bahah",
    "الجوف": "jouf", "منطقه الجوف": "jouf", "jouf": "jouf", "al-jouf": "jouf", "al jouf": "jouf",
}


def region_code(text: Any) -> str | None:
    """The code of a region however it was written ('الرياض', 'منطقة الرياض', 'Riyadh', 'riyadh');
    '' for nothing, None when it is not one of the 13."""
    value = " ".join(str(text or "").split())
    if not value:
        return ""
    if value in REGIONS:
        return value
    key = fold_arabic(value)
    if key in REGIONS:
        return key
    return _REGION_ALIASES.get(key) or _REGION_ALIASES.get(value.lower())


def region_label(code: str | None) -> str:
    return str(REGIONS.get(code or "", code or ""))


def region_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in REGIONS.items()]
