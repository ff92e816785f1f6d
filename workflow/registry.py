"""The beneficiary registry's rules, shared by the admin form, the import and the public request form.

One validation function, `clean_beneficiary()`, turns what a person typed (or
a spreadsheet row) into clean values plus a list of problems, each tied to a
field. Callers decide how to show the problems; nothing is saved here unless a
function says so (`save_beneficiary`, `record_declaration`, ...).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, intersect, or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models.application import Application, Status
from models.beneficiary import (
    Beneficiary,
    BeneficiaryNameWord,
    Declaration,
    DeclarationMethod,
    DeclarationText,
    Document,
    Gender,
    MaritalStatus,
)
from models.service import ServiceType
from models.types import utcnow
from workflow.arabic import fold_arabic, full_name, name_search_terms
from workflow.dates import to_local
from workflow.identity import normalize_digits, validate_national_id
from workflow.phones import normalize_saudi_mobile
from workflow.regions import _REGION_ALIASES, REGIONS, region_choices, region_code, region_label  # noqa: F401 (one list: workflow/regions.py)

# --- reference values ---------------------------------------------------------

GENDER_LABELS = {Gender.MALE: _l("Male"), Gender.FEMALE: _l("Female")}
_GENDER_ALIASES = {"ذكر": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE,
                   "انثي": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE}

MARITAL_LABELS = {"single": _l("Single"), "married": _l("Married"), "divorced": _l("Divorced"),
                  "widowed": _l("Widowed")}
_MARITAL_ALIASES = {"اعزب": "single", "عزباء": "single", "متزوج": "married", "متزوجه": "married",
                    "مطلق": "divorced", "مطلقه": "divorced", "ارمل": "widowed", "ارمله": "widowed"}

RELATIONS = ("spouse", "son", "daughter", "father", "mother", "brother", "sister", "other")
RELATION_LABELS = {"spouse": _l("Spouse"), "son": _l("Son"), "daughter": _l("Daughter"), "father": _l("Father"),
                   "mother": _l("Mother"), "brother": _l("Brother"), "sister": _l("Sister"), "other": _l("Other")}
_RELATION_ALIASES = {"زوج": "spouse", "زوجه": "spouse", "ابن": "son", "بنت": "daughter", "ابنه": "daughter",
                     "اب": "father", "الاب": "father", "ام": "mother", "الام": "mother", "اخ": "brother",
                     "اخت": "sister", "اخري": "other", "اخر": "other"}

_NATIONALITY_ALIASES = {"سعودي": "SA", "سعوديه": "SA", "saudi": "SA", "sau": "SA", "saudi arabia": "SA",
                        "السعوديه": "SA"}

MAX_AGE_YEARS = 120
PARENT_GAP_YEARS = 12  # a parent is at least this much older than their child
SPOUSE_MIN_AGE = 15
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")  # letters (any script), single spaces, ' and -

NAME_FIELDS = ("first_name", "father_name", "grandfather_name", "family_name")
FIELDS = ("national_id", *NAME_FIELDS, "gender", "birth_date", "nationality", "phone", "email", "region", "city",
          "district", "address", "marital_status", "monthly_income", "notes")
REQUIRED = frozenset({"national_id", "first_name", "father_name", "family_name", "gender", "phone"})


def nationality_choices(locale: str = "ar") -> list[tuple[str, str]]:
    """ISO 3166 countries named in the reader's language, Saudi Arabia first."""
    from babel import Locale

    try:
        names = Locale.parse(locale).territories
    except Exception:  # pragma: no cover - unknown locale
        names = Locale.parse("en").territories
    countries = [(code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()
                 and code not in ("ZZ", "EU", "UN", "EZ", "QO")]
    countries.sort(key=lambda item: item[1])
    saudi = [c for c in countries if c[0] == "SA"]
    return saudi + [c for c in countries if c[0] != "SA"]


def nationality_label(code: str | None, locale: str = "ar") -> str:
    from babel import Locale

    if not code:
        return ""
    try:
        return Locale.parse(locale).territories.get(code, code)
    except Exception:  # pragma: no cover
        return code


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """Folded country names (Arabic and English) and codes -> ISO code."""
    from babel import Locale

    table: dict[str, str] = {}
    for locale in ("en", "ar"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                table[fold_arabic(name)] = code
                table[code.lower()] = code
    return table


def parse_nationality(value: Any) -> str | None:
    """'SA', 'sa', 'سعودي', 'Saudi Arabia', 'مصر' -> ISO code; None when unknown."""
    key = fold_arabic(_text(value))
    if not key:
        return None
    return _NATIONALITY_ALIASES.get(key) or _country_codes().get(key)


# --- problems -------------------------------------------------------------------

@dataclass
class Problem:
    """One thing wrong with one field: shown next to the field, or as a report line."""

    field: str
    message: Any  # lazy string
    existing_id: int | None = None  # set when the value belongs to another beneficiary

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, name: str, message, existing_id: int | None = None) -> None:
        self.problems.append(Problem(name, message, existing_id))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn IDs and phones into floats
    return " ".join(str(value).split())


def _today(today: date | None) -> date:
    return today or to_local(utcnow()).date()


def parse_date(value: Any) -> date | None:
    """A date from a form/spreadsheet: date objects, YYYY-MM-DD, DD/MM/YYYY (any digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().split("T")[0].split(" ")[0]
    for sep in ("-", ".", "\u2010", "\u2011", "\u2013", "\u2212"):
        text = text.replace(sep, "/")
    text = normalize_digits(text).replace("/", "-")  # Arabic digits -> ASCII (keeps the separators)
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_l("Enter a date as YYYY-MM-DD."))


def parse_amount(value: Any) -> Decimal | None:
    """A money amount: Arabic digits, thousands separators and the Arabic decimal comma accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, float)):
        amount = Decimal(str(value))
    else:
        text = str(value).translate({0x066B: ".", 0x066C: None, ord(","): None, 0x060C: None}).strip()
        if text.startswith(("-", "\u2212")):  # normalize_digits drops dashes: catch the sign first
            raise ValueError(_l("The amount cannot be negative."))
        text = normalize_digits(text).replace("ر.س", "").replace("SAR", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_l("Enter an amount in riyals, e.g. 2500.")) from None
    if not amount.is_finite():
        raise ValueError(_l("Enter an amount in riyals, e.g. 2500."))
    if amount < 0:
        raise ValueError(_l("The amount cannot be negative."))
    if amount >= Decimal("10000000000"):
        raise ValueError(_l("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def _choice(value: Any, allowed: Iterable[str], aliases: Mapping[str, str]) -> str | None:
    text = _text(value)
    if not text:
        return ""
    if text in allowed:
        return text
    key = fold_arabic(text)
    if key in allowed:
        return key
    return aliases.get(key)


def _check_name(cleaned: Cleaned, name: str, value: Any, required: bool) -> None:
    text = _text(value)
    cleaned.values[name] = text
    if not text:
        if required:
            cleaned.add(name, _l("This name is required."))
        return
    if len(text) > 60:
        cleaned.add(name, _l("A name part can have at most 60 letters."))
    elif not _NAME_RE.match(fold_arabic(text) or text):
        cleaned.add(name, _l("Use letters only (no digits or symbols) in names."))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_birth_date(value: date | None, today: date | None = None):
    """Return a problem message for an impossible birth date, else None."""
    if value is None:
        return None
    today = _today(today)
    if value > today:
        return _l("The birth date cannot be in the future.")
    if age_on(value, today) > MAX_AGE_YEARS:
        return _l("The birth date is more than %(years)d years ago; check the year.", years=MAX_AGE_YEARS)
    return None


def clean_beneficiary(data: Mapping[str, Any], *, current_id: int | None = None, today: date | None = None,
                      check_unique: bool = True, nationality_known: bool = True) -> Cleaned:
    """Validate one beneficiary (form or spreadsheet row) with the registry's rules.

    `data` holds raw values keyed by FIELDS; missing keys count as empty.
    Returns clean values (ID and phone normalised, choices as codes) and the
    problems, each tied to its field.
    `nationality_known=False` (a sheet without a nationality column): the ID's first digit
    decides, 1 = Saudi, 2 = a resident whose nationality is left empty for staff to fill.
    """
    c = Cleaned()
    today = _today(today)

    if not nationality_known and not _text(data.get("nationality")):
        digits = normalize_digits(_text(data.get("national_id")))
        nat_raw = "" if digits.startswith("2") else "SA"
        nat = nat_raw or None
    else:
        # Nationality first: the ID's first digit must agree with it.
        nat_raw = _text(data.get("nationality")) or "SA"
        nat = parse_nationality(nat_raw)
        if not nat:
            c.add("nationality", _l("Choose a nationality from the list."))
    c.values["nationality"] = nat or nat_raw

    raw_id = data.get("national_id")
    try:
        nid = validate_national_id(_text(raw_id), nat or None)
        c.values["national_id"] = nid
        if check_unique:
            query = select(Beneficiary.id).where(Beneficiary.national_id == nid)
            if current_id is not None:
                query = query.where(Beneficiary.id != current_id)
            existing = db.session.scalar(query.limit(1))
            if existing is not None:
                c.add("national_id", _l("A beneficiary with this national ID is already registered."), existing)
    except ValueError as exc:
        c.values["national_id"] = _text(raw_id)
        c.add("national_id", exc.args[0])

    for name in NAME_FIELDS:
        _check_name(c, name, data.get(name), name in REQUIRED)

    gender = _choice(data.get("gender"), Gender.ALL, _GENDER_ALIASES)
    c.values["gender"] = gender or _text(data.get("gender"))
    if not gender:
        c.add("gender", _l("Choose male or female.") if gender is None else _l("Gender is required."))

    try:
        birth = parse_date(data.get("birth_date"))
        c.values["birth_date"] = birth
        problem = check_birth_date(birth, today)
        if problem:
            c.add("birth_date", problem)
    except ValueError as exc:
        c.values["birth_date"] = data.get("birth_date")
        c.add("birth_date", exc.args[0])

    raw_phone = data.get("phone")
    try:
        c.values["phone"] = normalize_saudi_mobile(_text(raw_phone))
    except ValueError as exc:
        c.values["phone"] = _text(raw_phone)
        c.add("phone", exc.args[0])

    email = _text(data.get("email")).lower()
    c.values["email"] = email
    if email:
        from email_validator import EmailNotValidError, validate_email

        try:
            c.values["email"] = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            c.add("email", _l("Enter a valid email address."))

    region = _choice(data.get("region"), REGIONS, _REGION_ALIASES)
    c.values["region"] = region if region is not None else _text(data.get("region"))
    if region is None:
        c.add("region", _l("Choose a region from the list."))

    for name, limit in (("city", 60), ("district", 60), ("address", 300)):
        value = _text(data.get(name))
        c.values[name] = value
        if len(value) > limit:
            c.add(name, _l("At most %(n)d characters.", n=limit))

    marital = _choice(data.get("marital_status"), MaritalStatus.ALL, _MARITAL_ALIASES)
    c.values["marital_status"] = marital if marital is not None else _text(data.get("marital_status"))
    if marital is None:
        c.add("marital_status", _l("Choose a marital status from the list."))

    try:
        c.values["monthly_income"] = parse_amount(data.get("monthly_income"))
    except ValueError as exc:
        c.values["monthly_income"] = data.get("monthly_income")
        c.add("monthly_income", exc.args[0])

    notes = data.get("notes")
    c.values["notes"] = "" if notes is None else str(notes).strip()
    return c


def clean_household_member(data: Mapping[str, Any], *, beneficiary_birth: date | None = None,
                           beneficiary_id_number: str | None = None, today: date | None = None) -> Cleaned:
    """Validate one household member: name, relation, plausible age for the relation, optional ID."""
    c = Cleaned()
    today = _today(today)
    name = _text(data.get("name"))
    c.values["name"] = name
    if not name:
        c.add("name", _l("The member's name is required."))
    elif len(name) > 200:
        c.add("name", _l("At most %(n)d characters.", n=200))

    relation = _choice(data.get("relation"), RELATIONS, _RELATION_ALIASES)
    c.values["relation"] = relation or _text(data.get("relation"))
    if not relation:
        c.add("relation", _l("Choose the relation to the beneficiary."))

    birth = None
    try:
        birth = parse_date(data.get("birth_date"))
        c.values["birth_date"] = birth
    except ValueError as exc:
        c.values["birth_date"] = data.get("birth_date")
        c.add("birth_date", exc.args[0])
    problem = check_birth_date(birth, today)
    if problem:
        c.add("birth_date", problem)
    elif birth and relation:
        if relation in ("son", "daughter") and beneficiary_birth and age_on(beneficiary_birth, birth) < PARENT_GAP_YEARS:
            c.add("birth_date", _l("A son or daughter must be at least %(n)d years younger than the beneficiary.",
                                   n=PARENT_GAP_YEARS))
        elif relation in ("father", "mother") and beneficiary_birth and age_on(birth, beneficiary_birth) < PARENT_GAP_YEARS:
            c.add("birth_date", _l("A father or mother must be at least %(n)d years older than the beneficiary.",
                                   n=PARENT_GAP_YEARS))
        elif relation == "spouse" and age_on(birth, today) < SPOUSE_MIN_AGE:
            c.add("birth_date", _l("A spouse must be at least %(n)d years old.", n=SPOUSE_MIN_AGE))

    raw_id = _text(data.get("national_id"))
    if raw_id:
        try:
            nid = validate_national_id(raw_id)
            c.values["national_id"] = nid
            if beneficiary_id_number and nid == beneficiary_id_number:
                c.add("national_id", _l("This is the beneficiary's own ID, not the member's."))
        except ValueError as exc:
            c.values["national_id"] = raw_id
            c.add("national_id", exc.args[0])
    else:
        c.values["national_id"] = None

    try:
        c.values["monthly_income"] = parse_amount(data.get("monthly_income"))
    except ValueError as exc:
        c.values["monthly_income"] = data.get("monthly_income")
        c.add("monthly_income", exc.args[0])
    c.values["has_disability"] = bool(data.get("has_disability"))
    c.values["notes"] = _text(data.get("notes"))[:300]
    return c


def check_household(relations: list[str]) -> list[Problem]:
    """Rules over the whole household: one father and one mother at most."""
    problems = []
    for relation, message in (("father", _l("Only one father can be listed.")),
                              ("mother", _l("Only one mother can be listed."))):
        if relations.count(relation) > 1:
            problems.append(Problem("household", message))
    return problems


# --- duplicates -----------------------------------------------------------------

@dataclass
class Duplicate:
    beneficiary: Beneficiary
    reasons: list = field(default_factory=list)  # lazy strings


REASON_PHONE = _l("same mobile number")
REASON_NAME = _l("same four-part name")
REASON_NAME_BIRTH = _l("same name and birth date")


def find_duplicates(*, phone: str | None, first_name: str = "", father_name: str = "", grandfather_name: str = "",
                    family_name: str = "", birth_date: date | None = None, exclude_id: int | None = None,
                    limit: int = 20) -> list[Duplicate]:
    """Other beneficiaries that may be the same person. Never merges anything.

    - same phone (E.164);
    - same folded four-part name (all four parts given);
    - same folded name and the same birth date.
    """
    folded = fold_arabic(full_name(first_name, father_name, grandfather_name, family_name))
    four_parts = all(_text(p) for p in (first_name, father_name, grandfather_name, family_name))
    conditions = []
    if phone:
        conditions.append(Beneficiary.phone == phone)
    if folded and (four_parts or birth_date):
        conditions.append(Beneficiary.name_search == folded)
    if not conditions:
        return []
    query = select(Beneficiary).where(or_(*conditions)).order_by(Beneficiary.id).limit(limit)
    if exclude_id is not None:
        query = query.where(Beneficiary.id != exclude_id)
    found = []
    for other in db.session.scalars(query):
        reasons = []
        if phone and other.phone == phone:
            reasons.append(REASON_PHONE)
        if folded and other.name_search == folded:
            if four_parts:
                reasons.append(REASON_NAME)
            if birth_date and other.birth_date == birth_date:
                reasons.append(REASON_NAME_BIRTH)
        if reasons:
            found.append(Duplicate(other, reasons))
    return found


def duplicates_of(beneficiary: Beneficiary) -> list[Duplicate]:
    return find_duplicates(phone=beneficiary.phone, first_name=beneficiary.first_name,
                           father_name=beneficiary.father_name, grandfather_name=beneficiary.grandfather_name,
                           family_name=beneficiary.family_name, birth_date=beneficiary.birth_date,
                           exclude_id=beneficiary.id)


# --- search ---------------------------------------------------------------------

def name_clause(text: str):
    """Beneficiaries whose name has, for every word typed, a word beginning with it (any order).

    Folded (احمد finds أحمد, فاطمه finds فاطمة), a family name with or without its
    article (عنزي finds العنزي), compound names with or without the space
    (عبدالله / عبد الله). Each word is a range on the name-word index
    (models.beneficiary.BeneficiaryNameWord), never a scan of the names.
    """
    matches = _name_word_matches(text)
    if not matches:
        return None
    return Beneficiary.id.in_(matches[0] if len(matches) == 1 else intersect(*matches))


def name_matches(text: str):
    """The ids of the beneficiaries name_clause finds, each once, read from the name-word index
    alone (no beneficiary row is read): what a name search's count needs. None: nothing to find."""
    matches = _name_word_matches(text)
    if not matches:
        return None
    return matches[0].distinct() if len(matches) == 1 else intersect(*matches)


def _name_word_matches(text: str) -> list:
    word = BeneficiaryNameWord.word
    return [select(BeneficiaryNameWord.beneficiary_id).where(word >= term, word < term + "\U0010ffff")
            for term in name_search_terms(text)]


def _is_number(text: str) -> bool:
    return all(ch.isdigit() or ch in " +-()" for ch in text)  # Arabic-Indic digits too


def searches_names_only(query: str) -> bool:
    """Whether search_clause is the name search alone for this text (it has a letter: an ID or
    a mobile number is never looked for), so name_matches gives its rows."""
    text = " ".join(str(query or "").split())
    return bool(text) and not _is_number(text) and bool(name_search_terms(text))


def search_clause(query: str):
    """SQL condition for the beneficiary search box: name (see name_clause), ID prefix, phone."""
    text = " ".join(str(query or "").split())
    if not text:
        return None
    conditions = []
    digits = normalize_digits(text).replace("(", "").replace(")", "")
    plain = digits.lstrip("+")
    is_number = _is_number(text)
    if not is_number:  # a number is never part of a name: no name search for IDs
        by_name = name_clause(text)
        if by_name is not None:
            conditions.append(by_name)
    if plain.isdigit() and len(plain) >= 3:
        # ID prefix as an index range (IDs are digits only).
        conditions.append(and_(Beneficiary.national_id >= plain, Beneficiary.national_id < plain + ":"))
        try:
            conditions.append(Beneficiary.phone == normalize_saudi_mobile(digits))
        except ValueError:
            # Part of a number: the end of the mobile number people read out ("...8821").
            # Not for a whole national ID (10 digits), which is never the end of a mobile number.
            if 4 <= len(plain) < 10:
                conditions.append(Beneficiary.phone.like(f"%{plain}"))
    return or_(*conditions) if conditions else None


# --- open requests --------------------------------------------------------------

def open_request_counts(beneficiary_ids: Iterable[int]) -> dict[int, int]:
    """{beneficiary id: number of open applications}, in one grouped query."""
    ids = list({i for i in beneficiary_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Application.beneficiary_id, func.count())
        .where(Application.beneficiary_id.in_(ids), Application.status.in_(Status.OPEN))
        .group_by(Application.beneficiary_id))
    return {bid: count for bid, count in rows}


def expired_document_counts(beneficiary_ids: Iterable[int], today: date | None = None) -> dict[int, int]:
    """{beneficiary id: documents expired today (or without a file)}, in one grouped query."""
    ids = list({i for i in beneficiary_ids if i is not None})
    if not ids:
        return {}
    today = _today(today)
    rows = db.session.execute(
        select(Document.beneficiary_id, func.count(Document.id))
        .where(Document.beneficiary_id.in_(ids),
               or_(Document.file_id.is_(None), Document.expiry_date < today))
        .group_by(Document.beneficiary_id))
    return {bid: count for bid, count in rows}


# --- documents ------------------------------------------------------------------

EXPIRING_SOON_DAYS = 30


def check_document(document_type, issue_date: date | None, expiry_date: date | None,
                   today: date | None = None) -> list[Problem]:
    today = _today(today)
    problems = []
    if document_type is None:
        problems.append(Problem("document_type", _l("Choose the document type.")))
    if issue_date and issue_date > today:
        problems.append(Problem("issue_date", _l("The issue date cannot be in the future.")))
    if issue_date and expiry_date and expiry_date < issue_date:
        problems.append(Problem("expiry_date", _l("The expiry date must be after the issue date.")))
    if document_type is not None and document_type.expires and not expiry_date:
        problems.append(Problem("expiry_date", _l("This type of document expires: enter its expiry date.")))
    return problems


def document_state(document: Document, today: date | None = None) -> str:
    """'no_file', 'expired', 'expiring' (within 30 days) or 'valid'."""
    today = _today(today)
    if document.file_id is None:
        return "no_file"
    if document.expiry_date and document.expiry_date < today:
        return "expired"
    if document.expiry_date and (document.expiry_date - today).days <= EXPIRING_SOON_DAYS:
        return "expiring"
    return "valid"


DOCUMENT_STATE_LABELS = {"no_file": _l("No file"), "expired": _l("Expired"), "expiring": _l("Expires soon"),
                         "valid": _l("Valid")}


def missing_documents(beneficiary: Beneficiary, today: date | None = None) -> list[tuple[Any, Any]]:
    """[(application, document type)] required by an open request and not held valid today."""
    today = _today(today)
    held = {d.document_type_id for d in beneficiary.documents if d.file_id and d.valid_on(today)}
    # The required document types of every service involved come in one more query, not one per service.
    applications = db.session.scalars(select(Application).where(
        Application.beneficiary_id == beneficiary.id, Application.status.in_(Status.OPEN))
        .options(joinedload(Application.service_type).selectinload(ServiceType.required_document_types))
    ).unique().all()
    missing = []
    for application in applications:
        for doc_type in application.service_type.required_document_types:
            if doc_type.id not in held:
                missing.append((application, doc_type))
    return missing


# --- declarations ---------------------------------------------------------------

def current_declaration_text() -> DeclarationText | None:
    return db.session.scalar(select(DeclarationText).order_by(DeclarationText.version.desc()).limit(1))


def next_declaration_version() -> int:
    return (db.session.scalar(select(func.max(DeclarationText.version))) or 0) + 1


def declaration_text_in_use(text: DeclarationText) -> bool:
    return db.session.scalar(select(Declaration.id).where(Declaration.text_id == text.id).limit(1)) is not None


def check_declaration(beneficiary: Beneficiary | None, method: str, *, has_scan: bool = False,
                      signed_name: str = "", agreed: bool = False) -> list[Problem]:
    """Rules for a signed declaration: a scan when signed on paper; typed name + consent online."""
    problems = []
    if beneficiary is None:
        problems.append(Problem("beneficiary", _l("Choose the beneficiary.")))
    if method not in DeclarationMethod.ALL:
        problems.append(Problem("method", _l("Choose how the declaration was signed.")))
    elif method == DeclarationMethod.IN_PERSON:
        if not has_scan:
            problems.append(Problem("scan", _l("Upload the scan of the signed paper declaration.")))
    else:
        if not _text(signed_name):
            problems.append(Problem("signed_name", _l("Type the beneficiary's full name as the signature.")))
        elif beneficiary is not None and fold_arabic(signed_name) != beneficiary.name_search:
            problems.append(Problem("signed_name", _l("The typed name must match the beneficiary's full name.")))
        if not agreed:
            problems.append(Problem("agreed", _l("The beneficiary must tick the box to accept the declaration.")))
    if current_declaration_text() is None:
        problems.append(Problem("method", _l("No declaration text is set yet. Ask an administrator to add one.")))
    return problems


def record_declaration(beneficiary: Beneficiary, method: str, *, actor=None, scan=None, signed_name: str = "",
                       agreed: bool = False, ip_address: str = "", application=None,
                       declaration: Declaration | None = None) -> Declaration:
    """Record a signed declaration against the current text version (caller commits)."""
    problems = check_declaration(beneficiary, method, has_scan=scan is not None, signed_name=signed_name,
                                 agreed=agreed)
    if problems:
        raise RegistryError(problems)
    text = current_declaration_text()
    declaration = declaration or Declaration()
    db.session.add(declaration)
    declaration.beneficiary = beneficiary
    declaration.application_id = getattr(application, "id", None)
    declaration.text = text
    declaration.method = method
    declaration.signed_at = utcnow()
    declaration.recorded_by_id = getattr(actor, "id", None)
    if method == DeclarationMethod.IN_PERSON:
        declaration.scan_file = scan
        declaration.signed_name = ""
        declaration.ip_address = ""
    else:
        declaration.signed_name = _text(signed_name)
        declaration.ip_address = (ip_address or "")[:45]
    return declaration


class RegistryError(ValueError):
    """Raised with the list of problems when a registry function refuses to save."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def deletion_problem(beneficiary: Beneficiary):
    """Why this beneficiary may not be deleted (None when it may): requests keep their history."""
    has_requests = db.session.scalar(
        select(Application.id).where(Application.beneficiary_id == beneficiary.id).limit(1)) is not None
    if has_requests:
        return _l("This beneficiary has service requests and cannot be deleted; their history must be kept.")
    return None


# --- saving ---------------------------------------------------------------------

def apply_values(beneficiary: Beneficiary, values: Mapping[str, Any]) -> Beneficiary:
    for name in FIELDS:
        if name in values:
            setattr(beneficiary, name, values[name])
    beneficiary.refresh_search_name()
    return beneficiary


def create_beneficiary(data: Mapping[str, Any], *, actor=None, today: date | None = None) -> Beneficiary:
    """Validate and add a beneficiary (caller commits); RegistryError lists what is wrong."""
    cleaned = clean_beneficiary(data, today=today)
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    beneficiary = apply_values(Beneficiary(created_by_id=getattr(actor, "id", None)), cleaned.values)
    db.session.add(beneficiary)
    return beneficiary
