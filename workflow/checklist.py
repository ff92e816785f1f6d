"""The verification checklist, item by item (DESIGN.md §3, policy: check every
required piece of information and its validity *at the time of submission*).

run_checklist() reads only; it never writes. Each item is a plain dict (it is
stored as JSON on the application when the application is verified):

    {"code": ..., "status": pass|fail|unknown|warning, "subject": ..., "seen": ..., "reason": ...}

`fail` and `unknown` block verification; `warning` (possible duplicates) is for
the officer's attention only.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary
from workflow.applicants import is_community
from workflow.applications import recent_requests
from workflow.dates import to_local
from workflow.eligibility import FAIL, PASS, UNKNOWN, evaluate_all
from workflow.identity import validate_national_id

WARNING = "warning"
BLOCKING = (FAIL, UNKNOWN)

LABELS = {
    "national_id": _l("National ID is valid"),
    "document": _l("Required document valid at submission"),
    "declaration": _l("Declaration signed"),
    "criterion": _l("Eligibility criterion"),
    "cooldown": _l("Cool-down period respected"),
    "duplicates": _l("Possible duplicate beneficiaries"),
    "applicant": _l("Applicant's name (group or organisation)"),
    "contact_person": _l("Contact person's name and mobile"),
    "expected_beneficiaries": _l("Expected number of beneficiaries"),
    "registration_no": _l("Organisation's registration number"),
}

REASONS = {
    "missing": _l("not supplied"),
    "expired": _l("not valid on the submission date (expired or not yet issued)"),
    "valid_until": _l("valid until %(date)s"),
    "no_expiry": _l("valid (no expiry)"),
    "unsigned": _l("no signed declaration"),
    "signed": _l("signed on %(date)s"),
    "no_cooldown": _l("this service has no cool-down period"),
    "recent": _l("received the same service recently (%(reference)s, %(date)s)"),
    "none_recent": _l("no same service within %(days)s days"),
    "data_missing": _l("data missing"),
    "duplicates_found": _l("same phone or name as: %(names)s"),
    "no_duplicates": _l("none found"),
    "not_given": _l("not given"),
    "given": _l("given"),
    "invalid_mobile": _l("the mobile number is not a valid Saudi mobile"),
}

# Beneficiary-facing wording of a missing item (always Arabic: the beneficiary is answered in Arabic).
_MISSING_AR = {
    "national_id": "رقم هوية وطنية / إقامة صحيح",
    "declaration": "توقيع الإقرار بصحة البيانات",
    "applicant": "اسم الجهة أو المجموعة مقدمة الطلب",
    "contact_person": "اسم مسؤول التواصل ورقم جواله",
    "expected_beneficiaries": "العدد المتوقع للمستفيدين",
}


def submission_day(application: Application) -> date:
    return to_local(application.received_at).date()


def _item(code: str, status: str, subject: str = "", seen: str = "", reason: str = "", **params) -> dict:
    return {"code": code, "status": status, "subject": subject, "seen": seen, "reason": reason,
            "params": {k: str(v) for k, v in params.items()}}


def _national_id_item(b: Beneficiary) -> dict:
    try:
        validate_national_id(b.national_id, b.nationality)
    except ValueError as exc:
        return _item("national_id", FAIL, seen=b.national_id[:1] + "…" if b.national_id else "", reason_text=str(exc))
    return _item("national_id", PASS)


def _document_items(application: Application, day: date) -> list[dict]:
    items = []
    docs = [d for d in application.beneficiary.documents
            if d.application_id in (None, application.id)]
    for doc_type in application.service_type.required_document_types:
        of_type = [d for d in docs if d.document_type_id == doc_type.id]
        subject = doc_type.name_ar or doc_type.name_en
        valid = [d for d in of_type if d.valid_on(day)]
        if valid:
            best = max(valid, key=lambda d: d.expiry_date or date.max)
            if best.expiry_date:
                items.append(_item("document", PASS, subject, reason="valid_until", date=best.expiry_date.isoformat(),
                                   type_id=doc_type.id))
            else:
                items.append(_item("document", PASS, subject, reason="no_expiry", type_id=doc_type.id))
        elif of_type:
            latest = max(of_type, key=lambda d: d.expiry_date or date.min)
            items.append(_item("document", FAIL, subject,
                               seen=latest.expiry_date.isoformat() if latest.expiry_date else "",
                               reason="expired", type_id=doc_type.id))
        else:
            items.append(_item("document", FAIL, subject, reason="missing", type_id=doc_type.id))
    return items


def _declaration_item(application: Application) -> dict:
    signed = [d for d in application.beneficiary.declarations if d.application_id in (None, application.id)]
    if not signed:
        return _item("declaration", FAIL, reason="unsigned")
    latest = max(signed, key=lambda d: d.signed_at)
    return _item("declaration", PASS, reason="signed", date=to_local(latest.signed_at).date().isoformat())


def _criteria_items(application: Application, day: date) -> list[dict]:
    items = []
    for result in evaluate_all(application.service_type, application.beneficiary, day):
        items.append(_item("criterion", result.outcome, result.explanation, seen=result.seen,
                           reason="data_missing" if result.outcome == UNKNOWN else "",
                           field=result.field, operator=result.operator, value=result.value))
    return items


def _cooldown_item(application: Application, day: date) -> dict:
    days = application.service_type.cooldown_days or 0
    if days <= 0:
        return _item("cooldown", PASS, reason="no_cooldown")
    other = recent_requests(application.service_type, [application.beneficiary_id], day,
                            exclude_id=application.id).get(application.beneficiary_id)
    if other is not None:
        when = other.served_at or other.decided_at or other.received_at
        return _item("cooldown", FAIL, seen=other.reference, reason="recent", reference=other.reference,
                     date=to_local(when).date().isoformat())
    return _item("cooldown", PASS, reason="none_recent", days=days)


def _duplicates_item(b: Beneficiary) -> dict:
    conditions = []
    if b.phone:
        conditions.append(Beneficiary.phone == b.phone)
    if b.name_search:
        conditions.append(Beneficiary.name_search == b.name_search)
    found = []
    if conditions:
        found = db.session.scalars(
            select(Beneficiary).where(Beneficiary.id != b.id, or_(*conditions)).order_by(Beneficiary.id).limit(5)
        ).all()
    if found:
        return _item("duplicates", WARNING, seen=", ".join(str(x.id) for x in found), reason="duplicates_found",
                     names="، ".join(x.full_name for x in found))
    return _item("duplicates", PASS, reason="no_duplicates")


def _community_items(application: Application) -> list[dict]:
    """A group's or an organisation's request: no national ID, documents, declaration or personal
    criteria of one beneficiary, but who is asking, whom to talk to and for how many people."""
    from workflow.phones import normalize_saudi_mobile

    items = [_item("applicant", PASS if application.applicant_name else FAIL, seen=application.applicant_name,
                   reason="given" if application.applicant_name else "not_given")]
    phone_ok = True
    try:
        normalize_saudi_mobile(application.contact_phone or "")
    except ValueError:
        phone_ok = False
    if not application.contact_name:
        items.append(_item("contact_person", FAIL, reason="not_given"))
    elif not phone_ok:
        items.append(_item("contact_person", FAIL, seen=application.contact_name, reason="invalid_mobile"))
    else:
        items.append(_item("contact_person", PASS, seen=application.contact_name, reason="given"))
    expected = application.expected_beneficiaries
    items.append(_item("expected_beneficiaries", PASS if expected and expected > 0 else FAIL,
                       seen=str(expected or ""), reason="given" if expected and expected > 0 else "not_given"))
    if application.applicant_kind == "organisation":
        # "where it has one": for the officer's attention, never blocking.
        items.append(_item("registration_no", PASS if application.registration_no else WARNING,
                           seen=application.registration_no,
                           reason="given" if application.registration_no else "not_given"))
    return items


def run_checklist(application: Application) -> list[dict]:
    """Every check, in the order the officer reads them. Reads only."""
    if is_community(application) or application.beneficiary is None:
        return _community_items(application)
    day = submission_day(application)
    b = application.beneficiary
    return [
        _national_id_item(b),
        *_document_items(application, day),
        _declaration_item(application),
        *_criteria_items(application, day),
        _cooldown_item(application, day),
        _duplicates_item(b),
    ]


def passed(items: list[dict]) -> bool:
    return not any(i["status"] in BLOCKING for i in items)


def missing_items(items: list[dict]) -> list[str]:
    """The blocking items, worded for the beneficiary (Arabic), to prefill 'mark incomplete'."""
    out = []
    for item in items:
        if item["status"] not in BLOCKING:
            continue
        code = item["code"]
        if code == "document":
            state = "غير مرفق" if item["reason"] == "missing" else "منتهي الصلاحية وقت تقديم الطلب"
            out.append(f"{item['subject']} ({state})")
        elif code == "criterion":
            if item["status"] == UNKNOWN:
                out.append(f"بيانات لازمة للتحقق من الشرط: {item['subject']}")
            else:
                out.append(f"شرط غير متحقق: {item['subject']}")
        elif code == "cooldown":
            out.append(f"سبق الحصول على الخدمة نفسها مؤخراً ({item['params'].get('reference', '')})")
        else:
            out.append(_MISSING_AR.get(code, code))
    return out


def item_label(item: dict) -> str:
    label = str(LABELS.get(item.get("code"), item.get("code", "")))
    return f"{label}: {item['subject']}" if item.get("subject") else label


def seen_label(field: str, seen: str) -> str:
    """A criterion's value as people read it: سعودي, not SA; أنثى, not female; نعم, not yes."""
    from workflow.policy import current_lang
    from workflow.registry import GENDER_LABELS, MARITAL_LABELS, nationality_label, region_label

    if field == "nationality":
        return nationality_label(seen, current_lang())
    if field == "gender":
        return str(GENDER_LABELS.get(seen, seen))
    if field == "marital_status":
        return str(MARITAL_LABELS.get(seen, seen))
    if field == "region":
        return region_label(seen)
    if seen in ("yes", "no"):  # the yes/no fields (eligibility._display)
        return _("Yes") if seen == "yes" else _("No")
    return seen


def item_detail(item: dict) -> str:
    params = item.get("params") or {}
    if "reason_text" in params:
        return params["reason_text"]
    reason = item.get("reason")
    text = ""
    if reason in REASONS:
        try:
            text = str(REASONS[reason]) % params
        except (KeyError, TypeError, ValueError):
            text = str(REASONS[reason])
    if item.get("code") == "criterion" and item.get("seen"):
        seen = _("value seen: %(value)s", value=seen_label(params.get("field", ""), item["seen"]))
        text = f"{text} — {seen}" if text else seen
    return text


STATUS_LABELS = {
    PASS: _l("pass"),
    FAIL: _l("fail"),
    UNKNOWN: _l("unknown"),
    WARNING: _l("check"),
}
