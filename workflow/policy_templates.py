"""The five starting configurations in data/policy_templates/*.json.

apply_template(key) fills the organisation profile (goals, handling steps,
verification, decision period, committee name, board approval when the policy
has one), and the channel and staff-tool lists. Everything stays editable.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from extensions import db
from models.organisation import OrganisationProfile
from models.reference import Channel, StaffTool

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "data" / "policy_templates"

# What a policy can turn on (the template's "features"; OrganisationProfile.features):
# branches: branch offices and their representatives (policies 000, 002, 004: the branches channel);
# community_requests: programme / project requests from groups and organisations (policy 001);
# outreach: listing eligible beneficiaries who have not asked yet (every policy's general goal).
FEATURES = ("branches", "community_requests", "outreach")


class TemplateError(ValueError):
    pass


@lru_cache(maxsize=1)
def _load_all() -> dict[str, dict]:
    templates = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        templates[data["key"]] = data
    return templates


def list_templates() -> list[dict]:
    """[{key, name_ar, name_en, description_ar, description_en, decision_period_days, organisation_example}]"""
    return [{k: t[k] for k in ("key", "name_ar", "name_en", "description_ar", "description_en",
                               "decision_period_days", "organisation_example")}
            for t in _load_all().values()]


def get_template(key: str) -> dict:
    try:
        return _load_all()[key]
    except KeyError:
        raise TemplateError(_l("Unknown policy template.")) from None


def get_profile(create: bool = True) -> OrganisationProfile:
    """The single profile row, created empty on first use (create=False: an unsaved blank one)."""
    profile = db.session.get(OrganisationProfile, 1)
    if profile is None:
        profile = OrganisationProfile(id=1, detailed_goals=[], handling_steps=[], eligibility_verification={},
                                      verification_mechanisms=[], default_decision_period_days=14,
                                      committee_name_ar="اللجنة المختصة", committee_name_en="The competent committee",
                                      name_ar="", name_en="", licence_no="", phone="", email="", website="",
                                      address="", general_goal_ar="", general_goal_en="",
                                      board_resolution_no="", board_meeting_no="")
        if create:
            db.session.add(profile)
            db.session.flush()
    return profile


def deciding_body(lang: str = "ar") -> str:
    """The configured deciding body («الإدارة المختصة», «لجنة البحث الاجتماعي»…), for every text
    that names who decides; the model's default only when nothing is configured."""
    profile = db.session.get(OrganisationProfile, 1)
    if lang == "en":
        return (profile.committee_name_en if profile else "") or "The competent committee"
    return (profile.committee_name_ar if profile else "") or "اللجنة المختصة"


def _sync(model, items: list[dict], extra: tuple[str, ...] = ()) -> None:
    """Template rows become active in the template's order; others are deactivated, never deleted
    (past requests still point at them)."""
    existing = {row.code: row for row in db.session.scalars(db.select(model))}
    wanted = set()
    for position, item in enumerate(items, start=1):
        row = existing.get(item["code"])
        if row is None:
            row = model(code=item["code"])
            db.session.add(row)
        row.name_ar, row.name_en = item["name_ar"], item.get("name_en", "")
        for name in extra:
            setattr(row, name, item.get(name, ""))
        row.active, row.sort_order = True, position * 10
        wanted.add(item["code"])
    for code, row in existing.items():
        if code not in wanted:
            row.active = False


def feature_on(name: str) -> bool:
    """Whether the organisation's policy turns `name` (one of FEATURES) on."""
    profile = db.session.get(OrganisationProfile, 1)
    return bool(profile is not None and (profile.features or {}).get(name))


# What a template sets on the profile, with the label the preview shows. With
# include_organisation the example organisation's identity is part of it too: every one of those
# fields is set or cleared, so one template's licence or board approval never stays behind
# when another is applied.
TEMPLATE_FIELDS = {
    "default_decision_period_days": _l("Default decision period (days)"),
    "committee_name_ar": _l("Deciding committee (Arabic)"),
    "committee_name_en": _l("Deciding committee (English)"),
    "general_goal_ar": _l("General goal (Arabic)"),
    "general_goal_en": _l("General goal (English)"),
    "detailed_goals": _l("Detailed goals"),
    "handling_steps": _l("Handling steps"),
    "verification_mechanisms": _l("Verification mechanisms"),
    "eligibility_verification": _l("Eligibility verification steps"),
    "features": _l("What the policy turns on (branches, community requests, outreach)"),
    "follow_up_after_days": _l("First follow-up, days after delivery"),
    "follow_up_every_days": _l("Then every (days)"),
    "follow_up_times": _l("Number of follow-ups (0: none)"),
    "feedback_response_days": _l("Working days to answer suggestions and complaints"),
}
ORGANISATION_FIELDS = {
    "name_ar": _l("Name (Arabic)"),
    "name_en": _l("Name (English)"),
    "licence_no": _l("Licence number"),
    "board_resolution_no": _l("Board resolution number"),
    "board_meeting_no": _l("Board meeting number"),
    "board_approval_date": _l("Board approval date"),
}


def template_values(key: str, *, include_organisation: bool = False) -> dict:
    """Every profile field the template defines, with the value applying it gives."""
    t = get_template(key)
    values = {
        "default_decision_period_days": int(t["decision_period_days"]),
        "committee_name_ar": t["committee_name_ar"], "committee_name_en": t["committee_name_en"],
        "general_goal_ar": t["general_goal_ar"], "general_goal_en": t["general_goal_en"],
        "detailed_goals": [dict(g) for g in t["detailed_goals"]],
        "handling_steps": [dict(s) for s in t["handling_steps"]],
        "verification_mechanisms": list(t["verification_mechanisms"]),
        "eligibility_verification": json.loads(json.dumps(t["eligibility_verification"])),
        "features": {name: bool((t.get("features") or {}).get(name)) for name in FEATURES},
        # Continuous follow-up where the policy names it (001); suggestions and complaints in every policy.
        "follow_up_after_days": int((t.get("follow_up") or {}).get("after_days") or 0),
        "follow_up_every_days": int((t.get("follow_up") or {}).get("every_days") or 0),
        "follow_up_times": int((t.get("follow_up") or {}).get("times") or 0),
        "feedback_response_days": int(t.get("feedback_response_days") or 5),
    }
    if include_organisation:
        example = t.get("organisation_example") or {}
        approval = t.get("board_approval") or {}
        gregorian = approval.get("date_gregorian")
        values.update({
            "name_ar": example.get("name_ar") or "", "name_en": example.get("name_en") or "",
            "licence_no": example.get("licence_no") or "",
            "board_resolution_no": approval.get("resolution_no") or "",
            "board_meeting_no": approval.get("meeting_no") or "",
            "board_approval_date": date.fromisoformat(gregorian) if gregorian else None,
        })
    return values


def _list_names(model) -> list[str]:
    return [row.name_ar for row in db.session.scalars(
        db.select(model).where(model.active.is_(True)).order_by(model.sort_order, model.id))]


def preview_template(key: str, *, include_organisation: bool = False) -> list[dict]:
    """What applying the template would change: [{field, label, before, after}], only the fields
    whose value differs (a cleared value has after=None or '')."""
    t = get_template(key)
    profile = get_profile(create=False)
    labels = {**TEMPLATE_FIELDS, **ORGANISATION_FIELDS}
    changes = []
    for name, after in template_values(key, include_organisation=include_organisation).items():
        before = getattr(profile, name, None)
        if (before or None) != (after or None):
            changes.append({"field": name, "label": labels[name], "before": before, "after": after})
    for name, model, items in (("channels", Channel, t["channels"]), ("staff_tools", StaffTool, t["staff_tools"])):
        before, after = _list_names(model), [i["name_ar"] for i in items]
        if before != after:
            changes.append({"field": name, "label": _l("Channels") if name == "channels" else _l("Staff tools"),
                            "before": before, "after": after})
    return changes


def apply_template(key: str, *, include_organisation: bool = False) -> OrganisationProfile:
    """Fill the configuration from a template. The caller commits.

    include_organisation also copies the example organisation's name, licence and
    board approval (useful for a demonstration; a real organisation types its own);
    what the example leaves blank is cleared.
    """
    t = get_template(key)
    values = template_values(key, include_organisation=include_organisation)
    profile = get_profile()
    profile.template_key = key
    for name, value in values.items():
        setattr(profile, name, value)
    _sync(Channel, t["channels"])
    _sync(StaffTool, t["staff_tools"], extra=("description_ar", "description_en"))
    db.session.flush()
    return profile
