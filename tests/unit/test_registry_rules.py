"""The registry's data rules (workflow/registry.py), one by one."""
from datetime import date
from decimal import Decimal

import pytest

from extensions import db
from models.beneficiary import Beneficiary
from tests.registry_helpers import RESIDENT_ID, luhn_id, make_beneficiary
from workflow.registry import (
    check_document,
    check_household,
    clean_beneficiary,
    clean_household_member,
    document_state,
    find_duplicates,
    parse_amount,
    parse_date,
    parse_nationality,
    search_clause,
)

TODAY = date(2025, 9, 15)


@pytest.fixture(autouse=True)
def english(request):
    """Messages compared in English (the msgids); Arabic is the lead's catalogue."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.test_request_context("/?lang=en"):
            yield
    else:
        yield
BASE = {"national_id": "1058529940", "first_name": "أحمد", "father_name": "محمد", "grandfather_name": "علي",
        "family_name": "الغامدي", "gender": "male", "birth_date": "1985-03-01", "nationality": "SA",
        "phone": "0551138821"}


def problems(data, **kwargs):
    cleaned = clean_beneficiary({**BASE, **data}, today=TODAY, **kwargs)
    return {p.field: str(p.message) for p in cleaned.problems}, cleaned


def test_valid_row_is_normalised(app):
    found, cleaned = problems({"national_id": "١٠٥٨ ٥٢٩ ٩٤٠", "phone": "٠٥٥ ١١٣ ٨٨٢١", "first_name": "  أحمد ",
                               "monthly_income": "٢٬٥٠٠٫٥٠", "region": "منطقة الرياض", "marital_status": "متزوج"})
    assert found == {}
    values = cleaned.values
    assert values["national_id"] == "1058529940"
    assert values["phone"] == "+966551138821"
    assert values["first_name"] == "أحمد"
    assert values["monthly_income"] == Decimal("2500.50")
    assert values["region"] == "riyadh"
    assert values["marital_status"] == "married"
    assert values["birth_date"] == date(1985, 3, 1)


@pytest.mark.parametrize("nid", ["1058529940", "1000000008", "١٠٠٠٠٠٠٠٠٨", "1 000 000 008", "1000-000-008"])
def test_valid_ids(app, nid):
    found, _ = problems({"national_id": nid})
    assert "national_id" not in found


@pytest.mark.parametrize("nid,message", [
    ("1000000000", "check digit"),
    ("105852994", "exactly 10 digits"),
    ("3000000004", "start with 1"),
    ("", "required"),
    ("abcdefghij", "exactly 10 digits"),
])
def test_invalid_ids(app, nid, message):
    found, _ = problems({"national_id": nid})
    assert message in found["national_id"]


def test_id_must_agree_with_nationality(app):
    found, _ = problems({"national_id": RESIDENT_ID, "nationality": "SA"})
    assert "does not match nationality" in found["national_id"]
    found, _ = problems({"national_id": "1058529940", "nationality": "EG"})
    assert "does not match nationality" in found["national_id"]
    found, _ = problems({"national_id": RESIDENT_ID, "nationality": "مصر"})
    assert found == {}


def test_nationality_spellings():
    assert parse_nationality("SA") == "SA"
    assert parse_nationality("sa") == "SA"
    assert parse_nationality("سعودي") == "SA"
    assert parse_nationality("Saudi Arabia") == "SA"
    assert parse_nationality("اليمن") == "YE"
    assert parse_nationality("Narnia") is None


def test_unique_id_refused_with_the_existing_record(app):
    existing = make_beneficiary()
    found, cleaned = problems({"phone": "0561234567"})
    assert "already registered" in found["national_id"]
    assert cleaned.problems[0].existing_id == existing.id
    # Editing the same person is not a clash with themselves.
    found, _ = problems({}, current_id=existing.id)
    assert found == {}


@pytest.mark.parametrize("phone", ["0551138821", "+966551138821", "00966551138821", "966551138821",
                                   "٠٥٥ ١١٣ ٨٨٢١", "055-113-8821", "551138821"])
def test_phone_forms(app, phone):
    found, cleaned = problems({"phone": phone})
    assert found == {}
    assert cleaned.values["phone"] == "+966551138821"


@pytest.mark.parametrize("phone", ["0112345678", "05511388", "+201001234567", "phone", ""])
def test_bad_phones(app, phone):
    found, cleaned = problems({"phone": phone})
    assert "phone" in found
    assert cleaned.values["phone"] == " ".join(phone.split())  # what was typed is kept


def test_birth_date_rules(app):
    found, _ = problems({"birth_date": "2025-09-16"})
    assert "future" in found["birth_date"]
    found, _ = problems({"birth_date": "1890-01-01"})
    assert "120 years" in found["birth_date"]
    found, _ = problems({"birth_date": "not a date"})
    assert "YYYY-MM-DD" in found["birth_date"]
    found, cleaned = problems({"birth_date": "١٥/٠٣/١٩٨٥"})
    assert found == {} and cleaned.values["birth_date"] == date(1985, 3, 15)


def test_names_and_choices(app):
    found, _ = problems({"first_name": "", "family_name": "Ali2", "gender": "x", "region": "Atlantis",
                         "email": "not-an-email", "monthly_income": "-5"})
    assert set(found) == {"first_name", "family_name", "gender", "region", "email", "monthly_income"}
    found, cleaned = problems({"gender": "أنثى", "grandfather_name": ""})
    assert found == {} and cleaned.values["gender"] == "female"


def test_amounts():
    assert parse_amount("1,500") == Decimal("1500.00")
    assert parse_amount("١٥٠٠ ر.س") == Decimal("1500.00")
    assert parse_amount("") is None
    with pytest.raises(ValueError):
        parse_amount("abc")
    with pytest.raises(ValueError):
        parse_amount("NaN")


def test_dates():
    assert parse_date("2024-01-31") == date(2024, 1, 31)
    assert parse_date("31/01/2024") == date(2024, 1, 31)
    assert parse_date("") is None


def test_household_relation_and_age_rules(app):
    born = date(1985, 3, 1)

    def member(**kw):
        data = {"name": "سارة", "relation": "daughter", "birth_date": "2010-05-05", **kw}
        cleaned = clean_household_member(data, beneficiary_birth=born, beneficiary_id_number="1058529940",
                                         today=TODAY)
        return {p.field: str(p.message) for p in cleaned.problems}

    assert member() == {}
    assert "12 years younger" in member(birth_date="1990-01-01")["birth_date"]
    assert "12 years older" in member(relation="mother", birth_date="1980-01-01")["birth_date"]
    assert member(relation="mother", birth_date="1960-01-01") == {}
    assert "15 years old" in member(relation="spouse", birth_date="2015-01-01")["birth_date"]
    assert "future" in member(birth_date="2030-01-01")["birth_date"]
    assert "relation" in member(relation="cousin")
    assert member(relation="ابنة") == {}
    assert "own ID" in member(national_id="1058529940")["national_id"]
    assert "check digit" in member(national_id="1000000000")["national_id"]
    assert member(national_id="١٠٠٠٠٠٠٠٠٨") == {}
    assert "name" in member(name=" ")
    assert [str(p.message) for p in check_household(["father", "father", "son"])] == ["Only one father can be listed."]


def test_duplicates_by_phone_name_and_birth(app):
    first = make_beneficiary()
    # Same phone, different person.
    dupes = find_duplicates(phone="+966551138821", first_name="خالد", family_name="سعيد")
    assert [d.beneficiary.id for d in dupes] == [first.id]
    assert [str(r) for r in dupes[0].reasons] == ["same mobile number"]
    # Same four-part name in another spelling (folded), other phone.
    dupes = find_duplicates(phone="+966561234567", first_name="احمد", father_name="محمد", grandfather_name="علي",
                            family_name="الغامدى")
    assert [str(r) for r in dupes[0].reasons] == ["same four-part name"]
    # Same name and birth date (three parts only).
    other = make_beneficiary(national_id=luhn_id("100000001"), phone="0501234567", grandfather_name="")
    dupes = find_duplicates(phone=None, first_name="أحمد", father_name="محمد", family_name="الغامدي",
                            birth_date=date(1985, 3, 1))
    assert [(d.beneficiary.id, [str(r) for r in d.reasons]) for d in dupes] == [
        (other.id, ["same name and birth date"])]
    # Nothing in common: nothing found; and a record is never its own duplicate.
    assert find_duplicates(phone="+966599999999", first_name="زيد", family_name="عمرو") == []
    assert find_duplicates(phone=first.phone, exclude_id=first.id) == []
    assert db.session.query(Beneficiary).count() == 2  # never merged


@pytest.mark.parametrize("query,found", [
    ("احمد", True), ("أحمد", True), ("إحمد", True), ("ٱحمد", True), ("محمد", True), ("علي", True),
    ("الغامدى", True), ("احمد محمد", True), ("حمد", False), ("غامدي", True), ("محمد احمد", True),
    ("احمد الشمري", False), ("امد", False),
    ("1058", True), ("١٠٥٨٥٢٩٩٤٠", True), ("0551138821", True), ("٠٥٥ ١١٣ ٨٨٢١", True), ("8821", True),
    ("9999", False), ("%", False), ("_", False),
])
def test_search_folds_and_prefixes(app, query, found):
    make_beneficiary()
    rows = db.session.query(Beneficiary).filter(search_clause(query)).all()
    assert bool(rows) is found


def test_search_taa_marbuta_and_tatweel(app):
    make_beneficiary(first_name="فاطمة", family_name="الزهراني", gender="female")
    for query in ("فاطمه", "فاطمة", "فـاطمة", "فَاطِمَة"):
        assert db.session.query(Beneficiary).filter(search_clause(query)).count() == 1, query


def _words(beneficiary_id):
    from models.beneficiary import BeneficiaryNameWord

    return set(db.session.scalars(db.select(BeneficiaryNameWord.word)
                                  .where(BeneficiaryNameWord.beneficiary_id == beneficiary_id)))


def _found_ids(query):
    return [b.id for b in db.session.query(Beneficiary).filter(search_clause(query)).order_by(Beneficiary.id)]


def test_name_word_index_follows_every_change_of_the_name(app):
    b = make_beneficiary(first_name="عبد الله", family_name="العنزي")
    assert _words(b.id) == {"عبد", "الله", "عبدالله", "محمد", "علي", "العنزي", "عنزي"}
    assert _found_ids("عبدالله") == [b.id] and _found_ids("عبد الله العنزي") == [b.id]

    b.family_name = "الشمري"  # a corrected name is found under the new name only
    db.session.commit()
    assert _found_ids("الشمري") == [b.id] and _found_ids("العنزي") == []

    b.city = "سكاكا"  # other edits leave the index alone
    db.session.commit()
    assert "شمري" in _words(b.id)

    db.session.delete(b)
    db.session.commit()
    assert _words(b.id) == set()


def test_anonymised_names_are_no_longer_found(app):
    from workflow.privacy import anonymise

    b = make_beneficiary()
    anonymise(b)
    db.session.commit()
    assert _found_ids("الغامدي") == [] and _found_ids("احمد") == []
    assert not _words(b.id) & {"احمد", "محمد", "علي", "الغامدي", "غامدي"}


def test_name_search_column_is_the_folded_full_name(app):
    b = make_beneficiary(first_name="أحمد", grandfather_name="عليّ", family_name="آل مُوسى")
    assert b.name_search == "احمد محمد علي ال موسي"


def test_document_rules(app):
    from models.reference import DocumentType

    expiring = DocumentType(code="id", name_ar="هوية", expires=True)
    lasting = DocumentType(code="card", name_ar="سجل", expires=False)
    assert [p.field for p in check_document(expiring, date(2024, 1, 1), None, today=TODAY)] == ["expiry_date"]
    assert check_document(lasting, date(2024, 1, 1), None, today=TODAY) == []
    assert [p.field for p in check_document(lasting, date(2026, 1, 1), None, today=TODAY)] == ["issue_date"]
    assert [p.field for p in check_document(expiring, date(2024, 1, 1), date(2023, 1, 1), today=TODAY)] == [
        "expiry_date"]
    assert [p.field for p in check_document(None, None, None, today=TODAY)] == ["document_type"]


def test_document_state():
    from models.beneficiary import Document

    assert document_state(Document(file_id=None), TODAY) == "no_file"
    assert document_state(Document(file_id=1, expiry_date=date(2025, 9, 14)), TODAY) == "expired"
    assert document_state(Document(file_id=1, expiry_date=date(2025, 10, 1)), TODAY) == "expiring"
    assert document_state(Document(file_id=1, expiry_date=date(2026, 10, 1)), TODAY) == "valid"
    assert document_state(Document(file_id=1), TODAY) == "valid"
