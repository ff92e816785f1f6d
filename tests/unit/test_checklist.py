"""The verification checklist and eligibility criteria as data."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from extensions import db
from models.application import Status
from models.beneficiary import HouseholdMember
from models.service import EligibilityCriterion
from tests import factories as f
from tests.factories import english  # noqa: F401 (autouse)
from workflow import checklist, eligibility
from workflow import state_machine as sm

RECEIVED = f.utc(2025, 3, 10)  # local day 2025-03-10


def _by_code(items, code):
    return [i for i in items if i["code"] == code]


def test_documents_are_judged_on_the_submission_day(app, users):
    id_copy = f.document_type("id_copy", "صورة الهوية")
    lease = f.document_type("lease", "عقد الإيجار")
    income = f.document_type("income", "إثبات الدخل")
    st = f.service_type(documents=[id_copy, lease, income])
    b = f.beneficiary()
    # Valid at submission, expired since: still valid for this request (policy: at submission time).
    f.document(b, id_copy, expiry=date(2025, 3, 20))
    # Expired the day before submission.
    f.document(b, lease, expiry=date(2025, 3, 9))
    application = f.application(b, st, received_at=RECEIVED)
    items = _by_code(checklist.run_checklist(application), "document")
    assert [(i["subject"], i["status"], i["reason"]) for i in items] == [
        ("صورة الهوية", "pass", "valid_until"),
        ("عقد الإيجار", "fail", "expired"),
        ("إثبات الدخل", "fail", "missing"),
    ]
    assert not checklist.passed(checklist.run_checklist(application))
    missing = checklist.missing_items(checklist.run_checklist(application))
    assert "عقد الإيجار (منتهي الصلاحية وقت تقديم الطلب)" in missing
    assert "إثبات الدخل (غير مرفق)" in missing
    with pytest.raises(sm.ChecklistFailed):
        sm.verify(application, users["officer"])
    assert application.status == Status.RECEIVED
    # The beneficiary brings a lease valid on the submission day: now it passes.
    f.document(b, lease, expiry=date(2026, 1, 1), issue=date(2025, 1, 1))
    f.document(b, income)
    sm.verify(application, users["officer"])
    assert application.status == Status.VERIFIED
    assert all(i["status"] != "fail" for i in application.checklist)


def test_document_issued_after_submission_does_not_count(app):
    dt = f.document_type()
    st = f.service_type(documents=[dt])
    b = f.beneficiary()
    f.document(b, dt, issue=date(2025, 3, 11), expiry=date(2030, 1, 1))
    application = f.application(b, st, received_at=RECEIVED)
    [item] = _by_code(checklist.run_checklist(application), "document")
    assert item["status"] == "fail"


def test_criteria_pass_fail_unknown_with_value_seen(app, users):
    st = f.service_type(criteria=[
        ("nationality", "eq", "SA"),
        ("region", "in", "الجوف، تبوك"),
        ("income_per_member", "le", "1500"),
        ("age", "le", "12"),
        ("household_size", "ge", "3"),
    ])
    b = f.beneficiary(monthly_income=Decimal("3000"), birth_date=None, region="الجوف")
    b.household.append(HouseholdMember(name="فاطمة", relation="spouse"))
    db.session.flush()
    application = f.application(b, st, received_at=RECEIVED)
    crit = _by_code(checklist.run_checklist(application), "criterion")
    assert [(c["params"]["field"], c["status"], c["seen"]) for c in crit] == [
        ("nationality", "pass", "SA"),
        ("region", "pass", "الجوف"),
        ("income_per_member", "pass", "1500"),
        ("age", "unknown", ""),
        ("household_size", "fail", "2"),
    ]
    with pytest.raises(sm.ChecklistFailed) as info:
        sm.verify(application, users["officer"])
    assert info.value.items == checklist.run_checklist(application)
    detail = checklist.item_detail(crit[4])
    assert "2" in detail
    # Codes are shown as words, in the reader's language.
    assert "Saudi Arabia" in checklist.item_detail(crit[0]) and "SA" not in checklist.item_detail(crit[0])
    from flask_babel import force_locale

    with force_locale("ar"):
        assert "السعودية" in checklist.item_detail(crit[0])


def test_unknown_blocks_and_missing_items_ask_for_data(app):
    st = f.service_type(criteria=[("monthly_income", "lt", "5000")])
    b = f.beneficiary(monthly_income=None)
    application = f.application(b, st)
    items = checklist.run_checklist(application)
    assert not checklist.passed(items)
    assert any("بيانات لازمة" in m for m in checklist.missing_items(items))


def test_cooldown(app, users):
    st = f.service_type(cooldown=90)
    b = f.beneficiary()
    earlier = f.application(b, st, received_at=f.utc(2025, 1, 1))
    f.force_status(earlier, Status.SERVED)
    earlier.served_at = f.utc(2025, 1, 20)
    db.session.flush()
    application = f.application(b, st, received_at=RECEIVED)
    [item] = _by_code(checklist.run_checklist(application), "cooldown")
    assert item["status"] == "fail" and item["params"]["reference"] == earlier.reference
    # Past the cool-down, fine.
    later = f.application(b, st, received_at=f.utc(2025, 6, 1))
    [item] = _by_code(checklist.run_checklist(later), "cooldown")
    assert item["status"] == "pass"
    # Another service type is not affected.
    other = f.application(b, f.service_type(name="كسوة", cooldown=90), received_at=RECEIVED)
    assert _by_code(checklist.run_checklist(other), "cooldown")[0]["status"] == "pass"


def test_possible_duplicates_are_a_warning_not_a_block(app, users):
    b = f.beneficiary(phone="+966501112233")
    twin = f.beneficiary(phone="+966501112233", first_name="أحمد")
    same_name = f.beneficiary(family_name=b.family_name, phone="+966509999999")
    application = f.application(b)
    [item] = _by_code(checklist.run_checklist(application), "duplicates")
    assert item["status"] == "warning"
    assert twin.full_name in item["params"]["names"] and same_name.full_name in item["params"]["names"]
    sm.verify(application, users["officer"])
    assert application.status == Status.VERIFIED


def test_invalid_national_id_fails(app):
    b = f.beneficiary(national_id="1000000000")
    [item] = _by_code(checklist.run_checklist(f.application(b)), "national_id")
    assert item["status"] == "fail"


@pytest.mark.parametrize("field,op,value,error", [
    ("shoe_size", "eq", "42", "Unknown field"),
    ("age", "like", "4", "Unknown operator"),
    ("age", "le", "", "required"),
    ("age", "le", "abc", "not a number"),
    ("region", "lt", "الجوف", "numeric"),
    ("has_disabled_member", "eq", "maybe", "yes or no"),
])
def test_invalid_criteria_are_refused(app, field, op, value, error):
    with pytest.raises(ValueError) as info:
        eligibility.validate_criterion(field, op, value)
    assert error in str(info.value)


def test_valid_criteria_accept_arabic_digits_and_lists(app):
    eligibility.validate_criterion("income_per_member", "le", "١٥٠٠")
    eligibility.validate_criterion("city", "in", "سكاكا، دومة الجندل")
    eligibility.validate_criterion("has_disabled_member", "eq", "نعم")


def test_operators_and_arabic_folding(app):
    b = f.beneficiary(city="دومة الجندل", region="الجوف")
    b.household.append(HouseholdMember(name="علي", relation="son", has_disability=True))
    db.session.flush()

    def run(field, op, value):
        c = EligibilityCriterion(field=field, operator=op, value=value)
        return eligibility.evaluate(c, b, date(2025, 3, 10)).outcome

    assert run("city", "eq", "دومه الجندل") == "pass"  # taa marbuta folds
    assert run("region", "ne", "تبوك") == "pass"
    assert run("household_size", "gt", "1") == "pass"
    assert run("household_size", "lt", "2") == "fail"
    assert run("children_count", "ge", "1") == "pass"
    assert run("has_disabled_member", "eq", "yes") == "pass"
    assert run("age", "ge", "44") == "pass"  # born 1980-05-01, 44 on 2025-03-10
    assert run("age", "ge", "45") == "fail"
    assert run("gender", "in", "male,female") == "pass"
