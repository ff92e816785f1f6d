"""Import of real sheets (issue 12, findings 7-9): residents without a nationality column, one
pass over the rows, formula cells, files that are not spreadsheets, the CLI's exit code and
the progress shown while it works."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from extensions import db
from models.beneficiary import Beneficiary
from tests.conftest import csrf_token, login
from tests.querycount import count_queries
from tests.registry_helpers import luhn_id, make_beneficiary
from workflow.registry_import import SheetError, check_file, import_rows

HEADERS = ["رقم الهوية", "الاسم الأول", "اسم الأب", "اسم الجد", "اسم العائلة", "الجنس", "رقم الجوال"]


def to_csv(rows) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _texts(lines):
    return [(line.row, str(line.problem)) for line in lines]


@pytest.fixture
def english(app):
    from flask_babel import force_locale

    with app.test_request_context("/?lang=en"), force_locale("en"):
        yield


def test_residents_without_a_nationality_column_are_imported_with_a_warning(app, english):
    resident, citizen = luhn_id("200000001"), luhn_id("100000001")
    rows = [HEADERS,
            [resident, "Ali", "Hassan", "Omar", "Khan", "male", "0531234567"],
            [citizen, "سعد", "فهد", "ناصر", "القحطاني", "ذكر", "0561111111"],
            [resident, "Ali", "Hassan", "Omar", "Khan", "male", "0539999999"]]
    result = check_file(to_csv(rows))
    assert [n for n, _ in result.valid] == [2, 3]
    assert _texts(result.lines) == [(4, "Same national ID as row 2: not imported.")]  # a duplicate, told so
    assert _texts(result.warnings) == [(2, "Resident (iqama) number: imported as non-Saudi; fill in the nationality.")]
    assert import_rows(result) == 2
    people = {b.national_id: b.nationality for b in db.session.scalars(select(Beneficiary))}
    assert people == {resident: "", citizen: "SA"}
    # The name-search words of imported rows are written too (in one statement per batch).
    from models.beneficiary import BeneficiaryNameWord
    from workflow.arabic import name_words

    for person in db.session.scalars(select(Beneficiary)):
        stored = set(db.session.scalars(select(BeneficiaryNameWord.word)
                                        .where(BeneficiaryNameWord.beneficiary_id == person.id)))
        assert stored == name_words(person.name_search) and stored


def test_a_nationality_column_is_still_checked(app, english):
    rows = [HEADERS + ["الجنسية"], [luhn_id("200000001"), "Ali", "Hassan", "Omar", "Khan", "male", "0531234567", "SA"]]
    result = check_file(to_csv(rows))
    assert result.valid == [] and "does not match nationality" in _texts(result.lines)[0][1]


def test_sheet_duplicates_are_found_by_key_in_one_pass(app, english):
    existing = make_beneficiary(national_id=luhn_id("100000900"), phone="0541234567")
    rows = [HEADERS + ["تاريخ الميلاد"]]
    for i in range(300):
        rows.append([luhn_id(f"1{i:08d}"), "محمد", "عبدالله", "سعد", f"ال{chr(0x0628 + i // 20)}{chr(0x0628 + i % 20)}",
                     "ذكر", f"055{i:07d}", "1980-05-01"])
    rows.append([luhn_id("100000901"), "أحمد", "محمد", "علي", "الغامدي", "ذكر", "0541234567", ""])  # phone of existing
    rows.append([luhn_id("100000902"), "احمد", "محمد", "علي", "الغامدى", "ذكر", "0540000001", ""])  # name of the above
    rows.append([luhn_id("100000903"), "خالد", "سالم", "حمد", "العنزي", "ذكر", "0550000007", ""])  # phone of row 9
    with count_queries() as queries:
        result = check_file(to_csv(rows))
    assert queries.count <= 6  # the register is read in batches, not once or three times per row
    report = _texts(result.lines)
    assert report == [
        (302, f"Possible duplicate of beneficiary #{existing.id} (same mobile number, same four-part name): "
              "not imported."),
        (303, f"Possible duplicate of beneficiary #{existing.id} (same four-part name): not imported."),  # folded
        (304, "Possible duplicate of row 9 (same mobile number): not imported."),
    ]
    assert len(result.valid) == 300


def test_sheet_rows_meeting_an_imported_row_by_name_and_birth_date(app, english):
    rows = [HEADERS + ["تاريخ الميلاد"],
            [luhn_id("100000001"), "فاطمة", "سعد", "", "الزهراني", "أنثى", "0550000001", "1990-03-15"],
            [luhn_id("100000002"), "فاطمه", "سعد", "", "الزهراني", "أنثى", "0550000002", "15/03/1990"]]
    report = _texts(check_file(to_csv(rows)).lines)
    assert report == [(3, "Possible duplicate of row 2 (same name and birth date): not imported.")]


def test_a_formula_in_a_name_cell_is_refused_as_not_letters(app, english):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADERS)
    book.active.append([luhn_id("100000001"), '=HYPERLINK("http://x","y")', "عبدالله", "سعد", "العتيبي", "ذكر",
                        "0550000001"])
    data = io.BytesIO()
    book.save(data)
    result = check_file(data.getvalue())
    assert _texts(result.lines) == [(2, "Use letters only (no digits or symbols) in names.")]


@pytest.mark.parametrize("data", [b"%PDF-1.4\n1 0 obj<<>>endobj\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old xls", "مرحبا، هذه رسالة\nوليست جدولا".encode()])
def test_a_file_that_is_not_a_spreadsheet_says_so(app, english, data):
    with pytest.raises(SheetError) as raised:
        check_file(data)
    assert "not a spreadsheet" in str(raised.value)


def test_cli_exits_non_zero_when_nothing_can_be_imported(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv([HEADERS, ["1000000000", "سعد", "فهد", "ناصر", "القحطاني", "ذكر", "0561111111"]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["beneficiaries", "import", str(path), "--commit"])
    assert result.exit_code != 0
    assert "nothing to import" in result.output
    assert db.session.query(Beneficiary).count() == 0


def test_cli_shows_progress_and_imports(app, tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(to_csv([HEADERS] + [[luhn_id(f"1{i:08d}"), "سعد", "فهد", "ناصر", f"القحطاني{chr(0x0628 + i)}",
                                          "ذكر", f"055{i:07d}"] for i in range(5)]))
    result = app.test_cli_runner().invoke(args=["beneficiaries", "import", str(path), "--commit"])
    assert result.exit_code == 0, result.output
    assert "imported: 5" in result.output and "importing" in result.output  # the bar (stderr, mixed in here)


def test_import_page_reports_progress_while_it_works(app, client, users, monkeypatch):
    import admin_views.registry_import as view

    seen = []
    original = view.ImportProgress.__call__

    def record(self, done, total):
        original(self, done, total)
        seen.append(client.get(f"/admin/beneficiary-import/progress/{key}").get_json())

    monkeypatch.setattr(view.ImportProgress, "__call__", record)
    login(client, users["admin"].email)
    page = client.get("/admin/beneficiary-import/").get_data(as_text=True)
    key = re.search(r'name="progress" value="([0-9a-f]{32})"', page).group(1)
    assert 'id="import-progress"' in page and "js/import_progress.js" in page
    sheet = to_csv([HEADERS, [luhn_id("200000001"), "Ali", "Hassan", "Omar", "Khan", "male", "0531234567"]])
    response = client.post("/admin/beneficiary-import/", data={
        "csrf_token": csrf_token(page), "progress": key, "sheet": (io.BytesIO(sheet), "residents.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert seen and seen[-1] == {"phase": "check", "done": 1, "total": 1}
    assert 'id="import-warnings"' in response.get_data(as_text=True)
    assert client.get(f"/admin/beneficiary-import/progress/{key}").get_json() == {}  # cleaned up
