"""Default reference data, loaded on first start (`flask --app app seed`).

Idempotent: each table is filled only when it is empty, so an admin's later
edits (renamed channels, removed tools, a new declaration version) survive
every restart.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from extensions import db
from models.beneficiary import DeclarationText
from models.organisation import OrganisationProfile
from models.reference import Channel, DocumentType, StaffTool

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = "food_preservation"

# (code, Arabic, English, expires)
DOCUMENT_TYPES = [
    ("national_id_copy", "صورة الهوية الوطنية / الإقامة", "National ID / iqama copy", True),
    ("family_card", "سجل الأسرة", "Family card", False),
    ("income_proof", "إثبات الدخل", "Proof of income", True),
    ("lease", "عقد الإيجار", "Lease contract", True),
    ("medical_report", "تقرير طبي", "Medical report", True),
]

# Document types whose scan shows a national ID or iqama number in full (the family card lists
# every member's). Roles that see IDs masked (PRIVACY_MASKED) cannot download them.
ID_DOCUMENT_TYPES = frozenset({"national_id_copy", "family_card", "id_copy", "iqama_copy", "passport_copy"})

DECLARATION_AR = (
    "أقرّ أنا الموقّع أدناه بأن جميع البيانات والمعلومات التي قدّمتها إلى الجمعية، "
    "والمستندات المرفقة بطلبي، صحيحة وكاملة وسارية وقت تقديمها، وأنني أتحمّل المسؤولية "
    "النظامية الكاملة عن صحتها. وأتعهّد بإبلاغ الجمعية بأي تغيير يطرأ عليها، وأوافق على "
    "أن تتحقق الجمعية منها بالوسائل المتاحة، بما فيها المقابلة الشخصية والزيارة الميدانية. "
    "وأعلم أن تقديم بيانات غير صحيحة يترتب عليه إيقاف الخدمة واسترداد ما صُرف بناءً عليها."
)
DECLARATION_EN = (
    "I, the undersigned, declare that all the information I have given the organisation and the "
    "documents attached to my request are true, complete and valid at the time I submit them, and "
    "that I bear full responsibility for their accuracy. I undertake to tell the organisation of any "
    "change, and I agree that the organisation may verify them by the means available to it, including "
    "a personal interview and a field visit. I understand that giving false information ends the "
    "service and that anything paid on the strength of it will be reclaimed."
)


def load_template(key: str = DEFAULT_TEMPLATE) -> dict:
    path = ROOT / "data" / "policy_templates" / f"{key}.json"
    return json.loads(path.read_text(encoding="utf-8"))


# Tools named in DESIGN.md §1 that the chosen template's policy does not list
# itself; their texts come from the other policy templates.
EXTRA_TOOLS = ("social_research_guide", "support_policy_guide")


def default_staff_tools(template: dict) -> list[dict]:
    """The template's own tools, then the other tools the policies name (texts from their templates)."""
    tools = list(template["staff_tools"])
    have = {t["code"] for t in tools}
    for code in EXTRA_TOOLS:
        if code in have:
            continue
        for other in sorted((ROOT / "data" / "policy_templates").glob("*.json")):
            found = next((t for t in json.loads(other.read_text(encoding="utf-8"))["staff_tools"]
                          if t["code"] == code), None)
            if found:
                tools.append(found)
                have.add(code)
                break
    return tools


def _empty(model) -> bool:
    return not db.session.scalar(select(func.count()).select_from(model))


def load_defaults(template_key: str = DEFAULT_TEMPLATE) -> dict[str, int]:
    """Fill empty reference tables; returns {table: rows added}. Commits."""
    template = load_template(template_key)
    added: dict[str, int] = {}

    if _empty(Channel):
        for order, item in enumerate(template["channels"], start=1):
            db.session.add(Channel(code=item["code"], name_ar=item["name_ar"], name_en=item["name_en"],
                                   active=True, sort_order=order * 10))
        added["channel"] = len(template["channels"])

    if _empty(StaffTool):
        tools = default_staff_tools(template)
        for order, item in enumerate(tools, start=1):
            db.session.add(StaffTool(code=item["code"], name_ar=item["name_ar"], name_en=item["name_en"],
                                     description_ar=item.get("description_ar", ""),
                                     description_en=item.get("description_en", ""), active=True,
                                     sort_order=order * 10))
        added["staff_tool"] = len(tools)

    if _empty(DocumentType):
        for order, (code, name_ar, name_en, expires) in enumerate(DOCUMENT_TYPES, start=1):
            db.session.add(DocumentType(code=code, name_ar=name_ar, name_en=name_en, expires=expires,
                                        active=True, sort_order=order * 10))
        added["document_type"] = len(DOCUMENT_TYPES)

    if _empty(DeclarationText):
        db.session.add(DeclarationText(version=1, text_ar=DECLARATION_AR, text_en=DECLARATION_EN))
        added["declaration_text"] = 1

    if db.session.get(OrganisationProfile, 1) is None:
        db.session.add(OrganisationProfile(
            id=1,
            default_decision_period_days=14, template_key=template_key,
            committee_name_ar=template.get("committee_name_ar") or "اللجنة المختصة",
            committee_name_en=template.get("committee_name_en") or "The competent committee",
        ))
        added["organisation_profile"] = 1

    from workflow.messaging.templates import load_default_templates
    from workflow.surveys import load_default_questions

    for table, count in (("survey_question", load_default_questions()), ("message_template", load_default_templates())):
        if count:
            added[table] = count
    db.session.commit()
    return added
