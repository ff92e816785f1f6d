"""Eligibility criteria are data: a field, an operator and a value.

FIELDS says how each field is computed from a Beneficiary (on a given day);
OPERATORS says how it is compared. A criterion whose data is missing is
"unknown", never silently passed or failed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from workflow.arabic import fold_arabic

PASS = "pass"
FAIL = "fail"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Field:
    key: str
    label: Any  # lazy string
    kind: str  # "text", "number", "bool"
    compute: Callable[[Any, date], Any]  # (beneficiary, day) -> value or None when unknown
    # The field's own values [(code, label in the reader's language)]: the criteria editor offers
    # them in a list instead of asking for codes; None for free numbers and texts.
    choices: Callable[[], list[tuple[str, str]]] | None = None


def _age(b, day: date):
    if not b.birth_date:
        return None
    years = day.year - b.birth_date.year - ((day.month, day.day) < (b.birth_date.month, b.birth_date.day))
    return Decimal(years)


def _income(b, day: date):
    return None if b.monthly_income is None else Decimal(b.monthly_income)


def _household_income(b, day: date):
    if b.monthly_income is None:
        return None
    return Decimal(b.monthly_income) + sum((Decimal(m.monthly_income or 0) for m in b.household), Decimal(0))


def _income_per_member(b, day: date):
    total = _household_income(b, day)
    if total is None:
        return None
    return (total / Decimal(b.household_size)).quantize(Decimal("0.01"))


def _text(attr: str):
    def compute(b, day: date):
        value = getattr(b, attr, None)
        return value if value not in (None, "") else None
    return compute


def _children(b, day: date):
    return Decimal(sum(1 for m in b.household if m.relation in ("son", "daughter")))


def _gender_choices():
    from workflow.registry import GENDER_LABELS

    return [(str(k), str(v)) for k, v in GENDER_LABELS.items()]


def _marital_choices():
    from workflow.registry import MARITAL_LABELS

    return [(k, str(v)) for k, v in MARITAL_LABELS.items()]


def _nationality_choices():
    from workflow.policy import current_lang
    from workflow.registry import nationality_choices

    return nationality_choices(current_lang())


def _region_choices():
    from workflow.regions import region_choices

    return region_choices()


def _yes_no_choices():
    from flask_babel import gettext as _

    return [("yes", _("Yes")), ("no", _("No"))]


FIELDS: dict[str, Field] = {f.key: f for f in (
    Field("nationality", _l("Nationality"), "text", _text("nationality"), _nationality_choices),
    Field("region", _l("Region"), "text", _text("region"), _region_choices),
    Field("city", _l("City"), "text", _text("city")),
    Field("gender", _l("Gender"), "text", _text("gender"), _gender_choices),
    Field("marital_status", _l("Marital status"), "text", _text("marital_status"), _marital_choices),
    Field("age", _l("Age in years"), "number", _age),
    Field("monthly_income", _l("Monthly income of the beneficiary"), "number", _income),
    Field("household_income", _l("Monthly income of the household"), "number", _household_income),
    Field("income_per_member", _l("Monthly income per household member"), "number", _income_per_member),
    Field("household_size", _l("Household size"), "number", lambda b, d: Decimal(b.household_size)),
    Field("children_count", _l("Number of children in the household"), "number", _children),
    Field("has_disabled_member", _l("Household has a member with a disability"), "bool",
          lambda b, d: any(m.has_disability for m in b.household), _yes_no_choices),
)}


def value_choices() -> dict[str, list[tuple[str, str]]]:
    """{field: [(code, label)]} for the fields that have their own values."""
    return {f.key: f.choices() for f in FIELDS.values() if f.choices is not None}

OPERATORS = {
    "eq": _l("equals"),
    "ne": _l("does not equal"),
    "lt": _l("less than"),
    "le": _l("at most"),
    "gt": _l("greater than"),
    "ge": _l("at least"),
    "in": _l("one of (comma-separated)"),
}
_ORDERING = ("lt", "le", "gt", "ge")
_TRUE = {"1", "true", "yes", "y", "نعم"}
_FALSE = {"0", "false", "no", "n", "لا"}


def field_choices() -> list[tuple[str, str]]:
    return [(f.key, str(f.label)) for f in FIELDS.values()]


def operator_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in OPERATORS.items()]


def _split(value: str) -> list[str]:
    return [p.strip() for p in str(value).replace("،", ",").split(",") if p.strip()]


def _parse(kind: str, raw: str):
    raw = (raw or "").strip()
    if kind == "number":
        try:
            from workflow.identity import normalize_digits

            return Decimal(normalize_digits(raw).replace("٫", "."))
        except (InvalidOperation, ValueError):
            raise ValueError(_l("“%(value)s” is not a number.", value=raw))
    if kind == "bool":
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(_l("Use yes or no for this field."))
    return fold_arabic(raw)


def validate_criterion(field: str, operator: str, value: str) -> None:
    """Raise ValueError (translatable) when a criterion cannot be evaluated."""
    spec = FIELDS.get(field)
    if spec is None:
        raise ValueError(_l("Unknown field “%(field)s”.", field=field))
    if operator not in OPERATORS:
        raise ValueError(_l("Unknown operator “%(op)s”.", op=operator))
    if not (value or "").strip():
        raise ValueError(_l("A value is required."))
    if operator in _ORDERING and spec.kind != "number":
        raise ValueError(_l("Less/greater comparisons need a numeric field."))
    parts = _split(value) if operator == "in" else [value]
    if not parts:
        raise ValueError(_l("A value is required."))
    for part in parts:
        _parse(spec.kind, part)
    if spec.choices is not None and spec.kind == "text":
        allowed = {fold_arabic(code) for code, _label in spec.choices()}
        for part in parts:
            if fold_arabic(part) not in allowed:
                raise ValueError(_l("“%(value)s” is not one of this field's values: choose it from the list.",
                                    value=part))


def _compare(op: str, seen, wanted) -> bool:
    if op == "eq":
        return seen == wanted
    if op == "ne":
        return seen != wanted
    if op == "lt":
        return seen < wanted
    if op == "le":
        return seen <= wanted
    if op == "gt":
        return seen > wanted
    if op == "ge":
        return seen >= wanted
    raise ValueError(op)


@dataclass
class CriterionResult:
    field: str
    operator: str
    value: str
    outcome: str  # pass / fail / unknown
    seen: str  # the value seen, as text ('' when unknown)
    explanation: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def evaluate(criterion, beneficiary, day: date) -> CriterionResult:
    spec = FIELDS.get(criterion.field)
    explanation = criterion.explanation_ar or criterion.explanation_en or str(criterion)
    base = dict(field=criterion.field, operator=criterion.operator, value=criterion.value, explanation=explanation)
    if spec is None:
        return CriterionResult(outcome=UNKNOWN, seen="", **base)
    seen = spec.compute(beneficiary, day)
    if seen is None:
        return CriterionResult(outcome=UNKNOWN, seen="", **base)
    comparable = fold_arabic(seen) if spec.kind == "text" else seen
    try:
        if criterion.operator == "in":
            wanted = [_parse(spec.kind, p) for p in _split(criterion.value)]
            ok = comparable in wanted
        else:
            ok = _compare(criterion.operator, comparable, _parse(spec.kind, criterion.value))
    except (ValueError, TypeError):
        return CriterionResult(outcome=UNKNOWN, seen=_display(seen), **base)
    return CriterionResult(outcome=PASS if ok else FAIL, seen=_display(seen), **base)


def evaluate_all(service_type, beneficiary, day: date) -> list[CriterionResult]:
    return [evaluate(c, beneficiary, day) for c in service_type.criteria]
