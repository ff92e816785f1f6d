"""Importing old spreadsheets: messy CSV/XLSX in, a clear report out, valid rows in one transaction."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import select

from extensions import db
from models.beneficiary import Beneficiary
from tests.conftest import csrf_token, login
from tests.registry_helpers import luhn_id, make_beneficiary
from workflow.registry_import import check_file, import_rows

ARABIC_HEADERS = ["رقم الهوية", "الاسم الأول", "اسم الأب", "اسم الجد", "اسم العائلة", "الجنس", "تاريخ الميلاد",
                  "الجنسية", "رقم الجوال", "المدينة", "المنطقة", "الدخل الشهري", "عمود قديم"]


def messy_rows():
    """Rows as they come from years of hand-kept sheets (line numbers in comments)."""
    return [
        ARABIC_HEADERS,                                                                              # 1
        ["١٠٥٨٥٢٩٩٤٠", " أحمد ", "محمد", "علي", "الغامدي", "ذكر", "1985-03-01", "سعودي", "٠٥٥ ١١٣ ٨٨٢١",
         "الرياض", "منطقة الرياض", "٣٬٥٠٠", "x"],                                                    # 2 ok
        ["", "", "", "", "", "", "", "", "", "", "", "", ""],                                        # 3 blank
        ["1000000000", "سعد", "فهد", "ناصر", "القحطاني", "ذكر", "", "SA", "0561111111", "", "", "", ""],  # 4 bad ID
        ["1 000 000 008", "فاطمة", "سعد", "", "الزهراني", "أنثى", "15/03/1990", "سعودية", "+966 50 222 3333",
         "جدة", "مكة المكرمة", "", ""],                                                               # 5 ok
        ["1058529940", "أحمد", "محمد", "علي", "الغامدي", "ذكر", "", "SA", "0577777777", "", "", "", ""],  # 6 same ID as 2
        [luhn_id("100000002"), "خالد", "سالم", "", "العتيبي", "M", "", "SA", "0551138821", "", "", "", ""],  # 7 same phone as 2
        [luhn_id("100000003"), "نورة", "عبدالله", "", "الشهري", "أنثى", "2999-01-01", "SA", "0123", "", "Atlantis",
         "-100", ""],                                                                                # 8 several problems
        [luhn_id("100000004"), "منيرة", "حمد", "", "الدوسري", "أنثى", "", "SA", "0541234567", "", "", "", ""],  # 9 dup of existing
        [],                                                                                          # 10 blank
        [luhn_id("200000001"), "Ali", "Hassan", "", "Khan", "male", "1980-01-01", "باكستان", "0531234567", "", "",
         "1,200", ""],                                                                               # 11 ok resident
    ]


def to_csv(rows, encoding="utf-8-sig") -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def existing(app):
    # Already registered, same mobile as row 9.
    return make_beneficiary(national_id=luhn_id("100000009"), first_name="سلمى", father_name="حمد",
                            grandfather_name="", family_name="الدوسري", gender="female", phone="0541234567")


def _report(result):
    return {(line.row, line.column, str(line.problem)) for line in result.lines}


def _en_context(app):
    return app.test_request_context("/?lang=en")


def test_messy_csv_report(app, existing):
    with _en_context(app):
        result = check_file(to_csv(messy_rows()), "old.csv")
        report = _report(result)
    assert result.rows_read == 8  # blank lines skipped
    assert [n for n, _ in result.valid] == [2, 5, 11]
    assert (1, "عمود قديم", "Unknown column: ignored.") in report
    assert (4, "رقم الهوية", "National ID is not valid (check digit mismatch).") in report
    assert (6, "رقم الهوية", "Same national ID as row 2: not imported.") in report
    assert any(r == 7 and "Possible duplicate of row 2 (same mobile number)" in p for r, _, p in report)
    problems_8 = {c for r, c, _ in report if r == 8}
    assert problems_8 == {"تاريخ الميلاد", "رقم الجوال", "المنطقة", "الدخل الشهري"}
    assert any(r == 9 and f"Possible duplicate of beneficiary #{existing.id}" in p for r, _, p in report)
    values = dict(result.valid)
    assert values[2]["national_id"] == "1058529940" and values[2]["phone"] == "+966551138821"
    assert values[2]["first_name"] == "أحمد" and str(values[2]["monthly_income"]) == "3500.00"
    assert values[5]["region"] == "makkah" and values[5]["birth_date"].isoformat() == "1990-03-15"
    assert values[11]["nationality"] == "PK"


def test_commit_imports_valid_rows_in_one_transaction(app, existing):
    result = check_file(to_csv(messy_rows()))
    assert import_rows(result) == 3
    names = sorted(b.family_name for b in db.session.scalars(select(Beneficiary)))
    assert names == ["Khan", "الدوسري", "الزهراني", "الغامدي"]
    # Importing the same sheet again adds nothing: every row is now a duplicate or a known ID.
    again = check_file(to_csv(messy_rows()))
    assert again.valid == []
    assert import_rows(again) == 0
    assert db.session.query(Beneficiary).count() == 4


def test_failure_during_import_leaves_nothing(app, monkeypatch):
    result = check_file(to_csv(messy_rows()))
    import workflow.registry_import as module

    calls = {"n": 0}
    real = module.apply_values

    def failing(beneficiary, values):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(beneficiary, values)

    monkeypatch.setattr(module, "apply_values", failing)
    with pytest.raises(RuntimeError):
        import_rows(result)
    assert db.session.query(Beneficiary).count() == 0


def test_xlsx_with_english_headers_and_numeric_cells(app):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["National ID", "Full name", "Gender", "Date of birth", "Nationality", "Mobile", "Region",
                  "Marital status"])
    sheet.append([1058529940, "محمد بن أحمد علي الغامدي", "Male", datetime(1979, 5, 2), "SA", 551138821, "Riyadh",
                  "married"])
    sheet.append([None, None, None, None, None, None, None, None])
    sheet.append([1000000008, "نورة سعد الحربي", "F", None, "SA", 966502223333, "Eastern Province", "أرملة"])
    sheet.append(["10000000", "x", "female", None, "SA", "0501234567", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    with _en_context(app):
        result = check_file(buffer.getvalue(), "sheet.xlsx")
    assert [n for n, _ in result.valid] == [2, 4]
    first, second = (v for _, v in result.valid)
    assert (first["first_name"], first["father_name"], first["grandfather_name"], first["family_name"]) == (
        "محمد", "أحمد", "علي", "الغامدي")
    assert first["phone"] == "+966551138821" and first["birth_date"].isoformat() == "1979-05-02"
    assert second["phone"] == "+966502223333" and second["marital_status"] == "widowed"
    assert second["region"] == "eastern"
    assert {line.row for line in result.lines} == {5}


def test_missing_required_columns_and_unreadable_files(app):
    from workflow.registry_import import SheetError

    with _en_context(app):
        result = check_file(to_csv([["الاسم الأول", "المدينة"], ["أحمد", "الرياض"]]))
        assert result.valid == []
        assert {line.column for line in result.lines} >= {"national_id", "phone", "gender"}
        with pytest.raises(SheetError):
            check_file(b"")
        with pytest.raises(SheetError):
            check_file(b"PK\x03\x04 not really a workbook")
        # Windows Arabic (cp1256) CSV from old Excel versions is read too.
        rows = [messy_rows()[0], messy_rows()[4]]  # (cp1256 has no Eastern Arabic digits)
        result = check_file(to_csv(rows, encoding="cp1256"))
        assert [n for n, _ in result.valid] == [2]


def test_cli_check_and_commit(app, tmp_path, existing):
    path = tmp_path / "old.csv"
    path.write_bytes(to_csv(messy_rows()))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["beneficiaries", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "rows read: 8; valid: 3" in result.output
    assert "nothing imported" in result.output
    assert "4\tرقم الهوية\t" in result.output
    assert db.session.query(Beneficiary).count() == 1
    result = runner.invoke(args=["beneficiaries", "import", str(path), "--commit"])
    assert "imported: 3" in result.output
    assert db.session.query(Beneficiary).count() == 4
    from models.audit import AuditEntry

    actors = {a.actor for a in db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "beneficiary"))}
    assert "import" in actors


def test_panel_import_for_admins(app, client, users, existing):
    login(client, users["officer"].email)
    assert client.get("/admin/beneficiary-import/").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/admin/").get_data(as_text=True))})
    login(client, users["admin"].email)
    page = client.get("/admin/beneficiary-import/?lang=en")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    response = client.post("/admin/beneficiary-import/", data={
        "csrf_token": token, "sheet": (io.BytesIO(to_csv(messy_rows())), "قديم.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert 'id="import-report"' in html and "check digit mismatch" in html
    assert "Import 3 valid rows" in html
    assert db.session.query(Beneficiary).count() == 1  # nothing yet
    import re

    pending = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    # A forged token is refused.
    bad = client.post("/admin/beneficiary-import/commit", data={"csrf_token": token, "token": "0" * 32},
                      follow_redirects=True)
    assert "no longer available" in bad.get_data(as_text=True)
    done = client.post("/admin/beneficiary-import/commit", data={"csrf_token": token, "token": pending})
    assert "3 beneficiaries imported" in done.get_data(as_text=True)
    assert db.session.query(Beneficiary).count() == 4
    # The token is single-use.
    again = client.post("/admin/beneficiary-import/commit", data={"csrf_token": token, "token": pending},
                        follow_redirects=True)
    assert "no longer available" in again.get_data(as_text=True)
    assert db.session.query(Beneficiary).count() == 4
