"""`make bench` on a fresh checkout: the generator fills a database the app can use and every
scenario of the measurement run answers (tiny sizes here; the figures come from bench/)."""
from __future__ import annotations

import json
import sqlite3

import pytest

from bench.generate import generate
from bench.run import main as bench_main
from workflow.arabic import name_words


@pytest.fixture(scope="module")
def small_bench(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    summary = generate(f"sqlite:///{path}", beneficiaries=120, applications=400, seed=3, sessions=12, quiet=True)
    return path, summary


def test_generator_fills_every_table_with_valid_consistent_data(small_bench):
    from workflow.identity import validate_national_id
    from workflow.phones import normalize_saudi_mobile

    path, summary = small_bench
    assert summary["counts"]["beneficiary"] == 120 and summary["counts"]["application"] == 400
    db = sqlite3.connect(path)
    people = db.execute("SELECT id, national_id, nationality, phone, name_search FROM beneficiary").fetchall()
    for _id, national_id, nationality, phone, _name in people:
        validate_national_id(national_id, nationality)  # raises on a wrong check digit
        assert normalize_saudi_mobile(phone) == phone
    # The name-word search index holds exactly what the application would have written.
    stored: dict[int, set[str]] = {}
    for bid, word in db.execute("SELECT beneficiary_id, word FROM beneficiary_name_word"):
        stored.setdefault(bid, set()).add(word)
    assert all(stored.get(bid) == name_words(name) for bid, _n, _c, _p, name in people)


def test_every_scenario_answers(small_bench, tmp_path, capsys):
    path, _summary = small_bench
    out = tmp_path / "results.json"
    assert bench_main(["--database-url", f"sqlite:///{path}", "--repeat", "1", "--output", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    not_ok = [(r["name"], r.get("why")) for r in results if r["status"] != "ok"]
    # At this size no committee session has 50 agenda items (session 101 does at 100,000).
    assert not_ok == [("session 50 items", "no data for session_50")], not_ok
    assert "beneficiary name search" in capsys.readouterr().out
