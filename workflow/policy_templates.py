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


def apply_template(key: str, *, include_organisation: bool = False) -> OrganisationProfile:
    """Fill the configuration from a template. The caller commits.

    include_organisation also copies the example organisation's name, licence and
    board approval (useful for a demonstration; a real organisation types its own).
    """
    t = get_template(key)
    profile = get_profile()
    profile.template_key = key
    profile.default_decision_period_days = int(t["decision_period_days"])
    profile.committee_name_ar, profile.committee_name_en = t["committee_name_ar"], t["committee_name_en"]
    profile.general_goal_ar, profile.general_goal_en = t["general_goal_ar"], t["general_goal_en"]
    profile.detailed_goals = [dict(g) for g in t["detailed_goals"]]
    profile.handling_steps = [dict(s) for s in t["handling_steps"]]
    profile.verification_mechanisms = list(t["verification_mechanisms"])
    profile.eligibility_verification = json.loads(json.dumps(t["eligibility_verification"]))
    profile.features = {name: bool((t.get("features") or {}).get(name)) for name in FEATURES}
    # Continuous follow-up where the policy names it (001); suggestions and complaints in every policy.
    follow_up = t.get("follow_up") or {}
    profile.follow_up_after_days = int(follow_up.get("after_days") or 0)
    profile.follow_up_every_days = int(follow_up.get("every_days") or 0)
    profile.follow_up_times = int(follow_up.get("times") or 0)
    profile.feedback_response_days = int(t.get("feedback_response_days") or 5)
    if include_organisation:
        example = t.get("organisation_example") or {}
        profile.name_ar = example.get("name_ar") or profile.name_ar
        profile.name_en = example.get("name_en") or profile.name_en
        profile.licence_no = example.get("licence_no") or profile.licence_no
        approval = t.get("board_approval") or {}
        profile.board_resolution_no = approval.get("resolution_no") or ""
        profile.board_meeting_no = approval.get("meeting_no") or ""
        gregorian = approval.get("date_gregorian")
        profile.board_approval_date = date.fromisoformat(gregorian) if gregorian else None
    _sync(Channel, t["channels"])
    _sync(StaffTool, t["staff_tools"], extra=("description_ar", "description_en"))
    db.session.flush()
    return profile
