"""`make bench-compare` end to end on a few hundred rows: the Django peer (its own venv under
bench/peer/, Django 5.2 from PyPI), both data sets, both servers under gunicorn, the peer's
measure.py on both sides, the load run and the table. Figures are not checked (never a timed
test); that every page answered with its expected row on both sides is."""
from __future__ import annotations

import json

import pytest

from bench.compare import DASHBOARD, main, peer_dir


def test_compare_harness_runs_end_to_end(tmp_path, capsys):
    if not (peer_dir() / "measure.py").exists():
        pytest.skip(f"no Django peer at {peer_dir()} (shared/peer-django beside the repository, or PEER_DIR)")
    out = tmp_path / "compare.json"
    code = main(["--small", "--work-dir", str(tmp_path), "--database-url", f"sqlite:///{tmp_path}/project-small.db", "--runs", "1", "--repeat", "2", "--warmup", "1",
                 "--load-seconds", "2", "--cpu-requests", "2", "--output", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    result = json.loads(out.read_text(encoding="utf-8"))
    pages = {p["name"]: p for p in result["pages"]}
    assert len(pages) == 11 and DASHBOARD in pages
    for name, page in pages.items():
        assert page["project_errors"] == 0, (name, page["project_error_samples"])
        assert len(page["project_p95_ms"]) == 1 and page["project_bytes"] > 0, name
        if name != DASHBOARD:
            assert page.get("django_errors") == 0 and len(page["django_p95_ms"]) == 1, name
            assert len(page["ratio_p95"]) == 1, name
            assert page["django_cpu_ms"] is not None and page["django_cpu_ms"] >= 0, name
        assert page["project_cpu_ms"] is not None and page["project_cpu_ms"] >= 0, name
    # Each project page is checked for a value only the right answer holds, read with SQL.
    checks = {p["name"]: p["contains"] for p in result["project_pages"]}
    assert all(checks.values()) and "details/?id=" in checks["application search reference"]
    for side in ("project", "django"):
        assert result["load"][side]["requests"] > 0 and result["load"][side]["errors"] == 0, result["load"][side]
    assert "application search reference" in printed and "load" in printed
    assert result["meta"]["project_database"] == "sqlite" and result["meta"]["size"]["beneficiaries"] == 300
