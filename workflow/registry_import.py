"""Bringing years of Excel sheets into the registry.

`read_sheet()` reads CSV or XLSX (Arabic or English headers), `check_rows()`
validates every row with the same `clean_beneficiary()` the form uses and
builds a report (row, column, problem), and `import_rows()` adds the valid
rows in one transaction. Possible duplicates, against the register or earlier
rows of the same sheet, are reported and never imported.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from extensions import db
from models.beneficiary import Beneficiary
from workflow.arabic import fold_arabic
from workflow.registry import FIELDS, REQUIRED, apply_values, clean_beneficiary, find_duplicates

# Header spellings (folded) -> field. English field names and labels, Arabic labels.
_HEADER_NAMES = {
    "national_id": ["national id", "id", "id number", "iqama", "national id / iqama", "رقم الهويه", "الهويه",
                    "رقم الهويه الوطنيه", "رقم الهويه او الاقامه", "رقم الهويه/الاقامه", "السجل المدني",
                    "رقم السجل المدني", "رقم الاقامه", "الهويه الوطنيه"],
    "first_name": ["first name", "الاسم الاول"],
    "father_name": ["father name", "father's name", "fathers name", "اسم الاب"],
    "grandfather_name": ["grandfather name", "grandfather's name", "اسم الجد"],
    "family_name": ["family name", "last name", "surname", "اسم العائله", "العائله", "القبيله", "اللقب"],
    "full_name": ["full name", "name", "الاسم", "الاسم الكامل", "الاسم الرباعي", "اسم المستفيد"],
    "gender": ["gender", "sex", "الجنس", "النوع"],
    "birth_date": ["birth date", "date of birth", "dob", "تاريخ الميلاد"],
    "nationality": ["nationality", "الجنسيه"],
    "phone": ["phone", "mobile", "mobile number", "phone number", "الجوال", "رقم الجوال", "الهاتف", "رقم الهاتف",
              "الجوال/الهاتف"],
    "email": ["email", "e-mail", "email address", "البريد الالكتروني", "البريد", "الايميل"],
    "region": ["region", "المنطقه"],
    "city": ["city", "المدينه"],
    "district": ["district", "neighbourhood", "neighborhood", "الحي"],
    "address": ["address", "العنوان"],
    "marital_status": ["marital status", "الحاله الاجتماعيه"],
    "monthly_income": ["monthly income", "income", "الدخل الشهري", "الدخل"],
    "notes": ["notes", "ملاحظات", "الملاحظات"],
}


def _header_key(text: Any) -> str:
    key = fold_arabic(str(text or "")).replace("_", " ").replace(":", "").strip()
    return " ".join(key.split())


HEADER_MAP = {}
for _field, _names in _HEADER_NAMES.items():
    HEADER_MAP[_header_key(_field)] = _field
    for _name in _names:
        HEADER_MAP[_header_key(_name)] = _field


class SheetError(ValueError):
    """The file cannot be read as a sheet at all."""


@dataclass
class ReportLine:
    row: int  # as numbered in the spreadsheet (the header is row 1)
    column: str  # the sheet's own header text, or "" for the whole row
    problem: Any

    def as_text(self) -> str:
        return f"{self.row}\t{self.column}\t{self.problem}"


@dataclass
class ImportResult:
    rows_read: int = 0
    valid: list[tuple[int, dict]] = field(default_factory=list)
    lines: list[ReportLine] = field(default_factory=list)
    imported: int = 0

    @property
    def rejected(self) -> int:
        return len({line.row for line in self.lines if line.row > 1})


def read_sheet(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(headers, [(row number, cells)]) from XLSX (by content) or CSV (UTF-8 with/without BOM, or Windows-1256)."""
    if not data:
        raise SheetError(_l("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data)
    else:
        rows = _read_csv(data)
    # The header is the first non-blank row.
    for index, (number, cells) in enumerate(rows):
        if any(_blank(c) is False for c in cells):
            headers = ["" if c is None else str(c).strip() for c in cells]
            return headers, rows[index + 1:]
    raise SheetError(_l("The file has no header row."))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise SheetError(_l("The file is not a readable Excel (.xlsx) workbook.")) from None
    sheet = book.worksheets[0]
    rows = [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    book.close()
    return rows


def _read_csv(data: bytes) -> list[tuple[int, list[Any]]]:
    if b"\x00" in data[:4096]:
        raise SheetError(_l("Only CSV and Excel (.xlsx) files can be imported."))
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1256 decodes almost anything
        raise SheetError(_l("The file's text encoding is not supported; save it as UTF-8 CSV."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]


def split_full_name(value: Any) -> dict[str, str]:
    """'محمد بن أحمد علي الغامدي' -> four parts (first, father, grandfather, family)."""
    words = [w for w in str(value or "").split() if fold_arabic(w) not in ("بن", "بنت")]
    if not words:
        return {}
    if len(words) == 1:
        return {"first_name": words[0]}
    if len(words) == 2:
        return {"first_name": words[0], "family_name": words[1]}
    if len(words) == 3:
        return {"first_name": words[0], "father_name": words[1], "family_name": words[2]}
    return {"first_name": words[0], "father_name": words[1], "grandfather_name": words[2],
            "family_name": " ".join(words[3:])}


def check_rows(headers: list[str], rows: list[tuple[int, list[Any]]]) -> ImportResult:
    """Validate every row like the form does; collect the report and the rows that may be imported."""
    result = ImportResult()
    columns: dict[int, str] = {}
    header_row = rows[0][0] - 1 if rows else 1
    for index, header in enumerate(headers):
        if not header:
            continue
        name = HEADER_MAP.get(_header_key(header))
        if name is None:
            result.lines.append(ReportLine(header_row, header, _l("Unknown column: ignored.")))
        elif name in columns.values():
            result.lines.append(ReportLine(header_row, header, _l("This column appears twice: the first one is used.")))
        else:
            columns[index] = name
    present = set(columns.values())
    name_given = "full_name" in present or {"first_name", "family_name"} <= present
    missing = [f for f in ("national_id", "phone", "gender") if f not in present]
    if not name_given:
        missing.append("first_name")
    if missing:
        for name in missing:
            result.lines.append(ReportLine(header_row, name, _l("Required column is missing.")))
        return result
    header_of = {name: headers[index] for index, name in columns.items()}

    seen_ids: dict[str, int] = {}
    seen: list[tuple[int, dict]] = []
    for number, cells in rows:
        if all(_blank(c) for c in cells):
            continue  # blank lines between blocks are common in old sheets
        result.rows_read += 1
        data = {name: cells[index] if index < len(cells) else None for index, name in columns.items()}
        if "full_name" in data:
            full = data.pop("full_name")
            if not any(_blank(data.get(p)) is False for p in ("first_name", "family_name")):
                data.update(split_full_name(full))
        cleaned = clean_beneficiary(data)
        problems = list(cleaned.problems)
        lines = []
        for problem in problems:
            column = header_of.get(problem.field) or header_of.get("full_name") or problem.field
            text = problem.message
            if problem.existing_id:
                text = _l("Already registered (beneficiary #%(id)s): not imported.", id=problem.existing_id)
            lines.append(ReportLine(number, column, text))
        values = cleaned.values
        if not problems:
            nid = values["national_id"]
            if nid in seen_ids:
                lines.append(ReportLine(number, header_of["national_id"],
                                        _l("Same national ID as row %(row)d: not imported.", row=seen_ids[nid])))
            else:
                dupes = find_duplicates(phone=values["phone"], first_name=values["first_name"],
                                        father_name=values["father_name"],
                                        grandfather_name=values["grandfather_name"],
                                        family_name=values["family_name"], birth_date=values["birth_date"])
                for dupe in dupes:
                    reasons = ", ".join(str(r) for r in dupe.reasons)
                    lines.append(ReportLine(number, "", _l(
                        "Possible duplicate of beneficiary #%(id)s (%(reasons)s): not imported.",
                        id=dupe.beneficiary.id, reasons=reasons)))
                for other_number, other in seen:
                    reasons = _row_duplicate_reasons(values, other)
                    if reasons:
                        lines.append(ReportLine(number, "", _l(
                            "Possible duplicate of row %(row)d (%(reasons)s): not imported.",
                            row=other_number, reasons=reasons)))
                        break
        result.lines.extend(lines)
        if not lines:
            result.valid.append((number, values))
            seen_ids[values["national_id"]] = number
            seen.append((number, values))
        elif not problems:
            seen_ids.setdefault(values["national_id"], number)
    return result


def _row_duplicate_reasons(a: dict, b: dict) -> str:
    from workflow.registry import REASON_NAME, REASON_NAME_BIRTH, REASON_PHONE

    reasons = []
    if a["phone"] == b["phone"]:
        reasons.append(str(REASON_PHONE))
    name_a = fold_arabic(" ".join(a[p] for p in ("first_name", "father_name", "grandfather_name", "family_name")))
    name_b = fold_arabic(" ".join(b[p] for p in ("first_name", "father_name", "grandfather_name", "family_name")))
    if name_a == name_b:
        if all(a[p] for p in ("first_name", "father_name", "grandfather_name", "family_name")):
            reasons.append(str(REASON_NAME))
        if a["birth_date"] and a["birth_date"] == b["birth_date"]:
            reasons.append(str(REASON_NAME_BIRTH))
    return ", ".join(reasons)


def check_file(data: bytes, filename: str = "") -> ImportResult:
    headers, rows = read_sheet(data, filename)
    return check_rows(headers, rows)


def import_rows(result: ImportResult, actor=None) -> int:
    """Add every valid row in one transaction (all or nothing) and commit."""
    try:
        for _number, values in result.valid:
            beneficiary = apply_values(Beneficiary(created_by_id=getattr(actor, "id", None)),
                                       {k: v for k, v in values.items() if k in FIELDS})
            db.session.add(beneficiary)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.imported = len(result.valid)
    return result.imported


__all__ = ["HEADER_MAP", "ImportResult", "ReportLine", "SheetError", "check_file", "check_rows", "import_rows",
           "read_sheet", "split_full_name", "REQUIRED"]
