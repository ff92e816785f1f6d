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
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from sqlalchemy import select

from extensions import db
from models.beneficiary import COLLECT_NAME_WORDS, Beneficiary, write_collected_name_words
from workflow.arabic import fold_arabic, full_name
from workflow.registry import (FIELDS, REASON_NAME, REASON_NAME_BIRTH, REASON_PHONE, REQUIRED, apply_values,
                               clean_beneficiary)

_NAME_PARTS = ("first_name", "father_name", "grandfather_name", "family_name")
_REASONS = {"phone": REASON_PHONE, "name": REASON_NAME, "name_birth": REASON_NAME_BIRTH}

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


# Files people pick by mistake: PDF, images, Word/old Excel (OLE2), RAR/7z/gzip archives.
_NOT_SHEETS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"Rar!", b"7z\xbc\xaf",
               b"\x1f\x8b")


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
    # Told, not refused: e.g. a resident imported with the nationality left to fill.
    warnings: list[ReportLine] = field(default_factory=list)
    imported: int = 0

    @property
    def rejected(self) -> int:
        return len({line.row for line in self.lines if line.row > 1})


def read_sheet(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(headers, [(row number, cells)]) from XLSX (by content) or CSV (UTF-8 with/without BOM, or Windows-1256)."""
    if not data:
        raise SheetError(_l("The file is empty."))
    if data.startswith(_NOT_SHEETS) or (b"\x00" in data[:4096] and not data.startswith(b"PK\x03\x04")):
        raise SheetError(_l("This file is not a spreadsheet: only CSV and Excel (.xlsx) files can be imported "
                            "(an old .xls workbook: open it in Excel and save it as .xlsx)."))
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
        # Formulas are read as written ("=A1&B1"), not as the value Excel last saved (which
        # a generated sheet lacks): a formula is then refused as what it is, not as "empty".
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
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


Progress = Callable[[int, int], None]  # (rows done, rows in all): the CLI's bar, the import page's


def _no_progress(done: int, total: int) -> None:
    pass


def check_rows(headers: list[str], rows: list[tuple[int, list[Any]]], progress: Progress | None = None
               ) -> ImportResult:
    """Validate every row like the form does; collect the report and the rows that may be imported.

    One pass over the rows: the register is read once for all of them (IDs, mobiles and folded
    names of the sheet, in batches) and the sheet's own duplicates are found through keys
    (national ID, mobile, folded four-part name, folded name + birth date), not by comparing
    each row with every earlier one.
    """
    progress = progress or _no_progress
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
    if not columns:
        raise SheetError(_l("This file is not a spreadsheet of beneficiaries: none of its columns is known "
                            "(for example رقم الهوية / national_id, الاسم / name, الجوال / phone)."))
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
    nationality_known = "nationality" in present

    total = sum(1 for _n, cells in rows if not all(_blank(c) for c in cells))
    step = max(1, total // 100)
    checked: list[tuple[int, Any]] = []
    for number, cells in rows:
        if all(_blank(c) for c in cells):
            continue  # blank lines between blocks are common in old sheets
        result.rows_read += 1
        data = {name: cells[index] if index < len(cells) else None for index, name in columns.items()}
        if "full_name" in data:
            full = data.pop("full_name")
            if not any(_blank(data.get(p)) is False for p in ("first_name", "family_name")):
                data.update(split_full_name(full))
        checked.append((number, clean_beneficiary(data, check_unique=False, nationality_known=nationality_known)))
        if result.rows_read % step == 0:
            progress(result.rows_read, total)

    register = _RegisterKeys.load([c.values for _n, c in checked if not c.problems])
    seen: dict[tuple, int] = {}  # duplicate key -> first row holding it
    for number, cleaned in checked:
        problems = list(cleaned.problems)
        lines = []
        for problem in problems:
            column = header_of.get(problem.field) or header_of.get("full_name") or problem.field
            lines.append(ReportLine(number, column, problem.message))
        values = cleaned.values
        if not problems:
            nid = values["national_id"]
            keys = _duplicate_keys(values)
            existing = register.ids.get(nid)
            if existing is not None:
                lines.append(ReportLine(number, header_of["national_id"], _l(
                    "Already registered (beneficiary #%(id)s): not imported.", id=existing)))
            elif ("id", nid) in seen:
                lines.append(ReportLine(number, header_of["national_id"],
                                        _l("Same national ID as row %(row)d: not imported.", row=seen[("id", nid)])))
            else:
                for other_id, reasons in register.duplicates(keys):
                    lines.append(ReportLine(number, "", _l(
                        "Possible duplicate of beneficiary #%(id)s (%(reasons)s): not imported.",
                        id=other_id, reasons=", ".join(str(r) for r in reasons))))
                first_row = min((seen[k] for k in keys if k in seen), default=None)
                if first_row is not None:
                    reasons = ", ".join(str(_REASONS[k[0]]) for k in keys if seen.get(k) == first_row)
                    lines.append(ReportLine(number, "", _l(
                        "Possible duplicate of row %(row)d (%(reasons)s): not imported.",
                        row=first_row, reasons=reasons)))
            if not lines:
                for key in keys:
                    seen.setdefault(key, number)
            else:
                seen.setdefault(("id", nid), number)
            if not lines and not nationality_known and not values["nationality"]:
                result.warnings.append(ReportLine(number, header_of["national_id"], _l(
                    "Resident (iqama) number: imported as non-Saudi; fill in the nationality.")))
        result.lines.extend(lines)
        if not lines:
            result.valid.append((number, values))
    progress(total, total)
    return result


def _folded_name(values: dict) -> str:
    return fold_arabic(full_name(*(values[p] for p in _NAME_PARTS)))


def _duplicate_keys(values: dict) -> list[tuple]:
    """The keys under which a row may meet another one (in the order the reasons are told)."""
    keys = [("id", values["national_id"])]
    if values["phone"]:
        keys.append(("phone", values["phone"]))
    folded = _folded_name(values)
    if folded and all(values[p] for p in _NAME_PARTS):
        keys.append(("name", folded))
    if folded and values["birth_date"]:
        keys.append(("name_birth", folded, values["birth_date"]))
    return keys


class _RegisterKeys:
    """The register's IDs, mobiles and folded names that the sheet's rows also hold, read in
    batches (one query per 500 values, not three per row)."""

    BATCH = 500

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.by_key: dict[tuple, list[int]] = {}

    @classmethod
    def load(cls, rows: list[dict]) -> "_RegisterKeys":
        keys = cls()
        ids = sorted({r["national_id"] for r in rows})
        phones = sorted({r["phone"] for r in rows if r["phone"]})
        names = sorted({_folded_name(r) for r in rows} - {""})
        for chunk in _chunks(ids, cls.BATCH):
            for nid, bid in db.session.execute(select(Beneficiary.national_id, Beneficiary.id)
                                               .where(Beneficiary.national_id.in_(chunk))):
                keys.ids[nid] = bid
        for column, values in ((Beneficiary.phone, phones), (Beneficiary.name_search, names)):
            for chunk in _chunks(values, cls.BATCH):
                query = select(Beneficiary.id, Beneficiary.phone, Beneficiary.name_search,
                               Beneficiary.birth_date).where(column.in_(chunk))
                for bid, phone, folded, birth in db.session.execute(query):
                    keys._add(bid, phone, folded, birth)
        for found in keys.by_key.values():
            found.sort()
        return keys

    def _add(self, bid, phone, folded, birth) -> None:
        entries = [("phone", phone)] if phone else []
        if folded:
            entries.append(("name", folded))  # "all four parts given" is a test on the row, as before
            if birth:
                entries.append(("name_birth", folded, birth))
        for key in entries:
            found = self.by_key.setdefault(key, [])
            if bid not in found:
                found.append(bid)

    def duplicates(self, keys: list[tuple]) -> list[tuple[int, list]]:
        """[(beneficiary id, reasons)] in id order, as find_duplicates() tells them."""
        reasons: dict[int, list] = {}
        for key in keys:
            for bid in self.by_key.get(key, ()):
                reasons.setdefault(bid, []).append(_REASONS[key[0]])
        return sorted(reasons.items())[:20]


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def check_file(data: bytes, filename: str = "", progress: Progress | None = None) -> ImportResult:
    headers, rows = read_sheet(data, filename)
    return check_rows(headers, rows, progress)


def import_rows(result: ImportResult, actor=None, progress: Progress | None = None) -> int:
    """Add every valid row in one transaction (all or nothing) and commit."""
    progress = progress or _no_progress
    total = len(result.valid)
    step = max(1, total // 100)
    connection = db.session.connection()
    connection.info[COLLECT_NAME_WORDS] = []  # the name-search words: one statement per flush
    try:
        for done, (_number, values) in enumerate(result.valid, start=1):
            beneficiary = apply_values(Beneficiary(created_by_id=getattr(actor, "id", None)),
                                       {k: v for k, v in values.items() if k in FIELDS})
            db.session.add(beneficiary)
            if done % 1000 == 0 or done == total:
                db.session.flush()  # in steps, so the progress shown is real
                write_collected_name_words(connection)
            if done % step == 0:
                progress(done, total)
        connection.info.pop(COLLECT_NAME_WORDS, None)
        db.session.commit()
    except Exception:
        # (the info dict belongs to the pooled connection: never leave the collector behind)
        connection.info.pop(COLLECT_NAME_WORDS, None)
        db.session.rollback()
        raise
    result.imported = len(result.valid)
    return result.imported


__all__ = ["HEADER_MAP", "ImportResult", "ReportLine", "SheetError", "check_file", "check_rows", "import_rows",
           "read_sheet", "split_full_name", "REQUIRED"]
