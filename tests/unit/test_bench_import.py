"""`make bench`'s import scenario works on a fresh checkout (tiny size here; the 20,000-row figures
are measured by bench/import_run.py, never asserted by a test)."""
from __future__ import annotations

import json

import pytest

from bench.generate import generate
from bench.import_run import main as import_main
from bench.import_run import sheet_rows


@pytest.fixture(scope="module")
def small_bench(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench-import") / "bench.db"
    generate(f"sqlite:///{path}", beneficiaries=50, applications=60, seed=3, sessions=4, quiet=True)
    return path


def test_the_generated_sheet_is_realistic():
    rows = sheet_rows(200, seed=1)
    assert rows[0][0] == "رقم الهوية" and len(rows) == 201
    assert any(r[0].startswith("2") for r in rows[1:])  # residents, and no nationality column
    assert any(not r[0].isascii() for r in rows[1:])  # Eastern Arabic digits


def test_import_scenario_reports_both_phases_and_leaves_the_register_as_it_was(small_bench, tmp_path, capsys):
    import sqlite3

    before = sqlite3.connect(small_bench).execute("SELECT count(*) FROM beneficiary").fetchone()[0]
    output = tmp_path / "import.json"
    code = import_main(["--database-url", f"sqlite:///{small_bench}", "--rows", "300", "--output", str(output)])
    summary = json.loads(output.read_text())
    assert code == 0 and summary["meets_target"] is True
    assert summary["imported"] + summary["refused_rows"] == 300 and summary["warnings"] > 0
    assert summary["register"] == before
    assert "validate" in capsys.readouterr().out
    after = sqlite3.connect(small_bench).execute("SELECT count(*) FROM beneficiary").fetchone()[0]
    assert after == before
