"""The import scenario of `make bench`: a 20,000-row sheet checked and committed (issue 12).

    python -m bench.import_run [--rows 20000] [--seed 1] [--database-url URL] [--keep]

Builds an XLSX sheet the way associations bring them (Arabic headers, the four-part name in
one column, no nationality column, Eastern Arabic digits in some IDs and mobiles, 10 % residents,
and 2 % rows with a problem or a duplicate), then against the bench database (its 100,000
beneficiaries make the duplicate checks real) measures, as `flask beneficiaries import` does:

- validate: reading the workbook and checking every row (target < 30 s);
- commit: adding the valid rows in one transaction (target < 60 s).

The imported rows are deleted again afterwards (unless --keep), so the other scenarios keep
measuring the same data. Prints the figures and writes bench/import_results.json.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.generate import DEFAULT_URL, national_id, normalise_url
from bench.names import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES

RESULTS = Path(__file__).resolve().parent / "import_results.json"
TARGETS_S = {"validate": 30, "commit": 60}
HEADERS = ["رقم الهوية", "الاسم الرباعي", "الجنس", "تاريخ الميلاد", "رقم الجوال", "المدينة", "الدخل الشهري",
           "ملاحظات"]
EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Far from the generator's numbers (its IDs and mobiles count up from small numbers).
FIRST_NUMBER = 60_000_000


def sheet_rows(rows: int, seed: int) -> list[list]:
    rng = random.Random(seed)
    out = [HEADERS]
    for i in range(rows):
        n = FIRST_NUMBER + i
        female = rng.random() < 0.5
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)[0]
        parts = [first] + [rng.choice(MALE_NAMES)[0] for _ in range(2)] + [rng.choice(FAMILY_NAMES)[0]]
        nid = national_id("2" if rng.random() < 0.1 else "1", n)
        phone = f"05{'0345689'[n % 7]}{n % 10**7:07d}"
        if i % 5 == 0:
            nid, phone = nid.translate(EASTERN), phone.translate(EASTERN)
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        row = [nid, " ".join(parts), "أنثى" if female else "ذكر", birth.isoformat(), phone,
               rng.choice(["سكاكا", "تبوك", "عرعر", "الرياض", "جدة"]), str(rng.randrange(0, 9000)), ""]
        if i % 50 == 7:  # about 2 %: a copied row, a phone used twice, a bad ID
            kind = (i // 50) % 3
            if kind == 0 and len(out) > 1:
                row[0] = out[-1][0]
            elif kind == 1 and len(out) > 1:
                row[4] = out[-1][4]
            else:
                row[0] = row[0][:9] + str((int(row[0][9].translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))) + 1)
                                          % 10)
        out.append(row)
    return out


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(url: str, rows: int, seed: int, keep: bool = False, out=None) -> dict:
    out = out or sys.stdout
    from sqlalchemy import delete, func, select

    from app import create_app
    from extensions import db
    from models.audit import AuditEntry
    from models.beneficiary import Beneficiary, BeneficiaryNameWord
    from workflow.audit import set_cli_actor
    from workflow.registry_import import check_file, import_rows

    data = xlsx_bytes(sheet_rows(rows, seed))
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_url(url)})
    with app.app_context():
        set_cli_actor("bench-import")
        register = db.session.scalar(select(func.count()).select_from(Beneficiary))
        before = db.session.scalar(select(func.max(Beneficiary.id))) or 0
        t0, c0 = time.perf_counter(), time.process_time()
        result = check_file(data, "bench.xlsx")
        validate_s, validate_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        imported = import_rows(result)
        commit_s, commit_cpu = time.perf_counter() - t0, time.process_time() - c0
        if not keep:
            # (SQLite does not cascade without its foreign_keys pragma, and reuses the ids.)
            db.session.execute(delete(BeneficiaryNameWord).where(BeneficiaryNameWord.beneficiary_id > before))
            db.session.execute(delete(Beneficiary).where(Beneficiary.id > before))
            db.session.execute(delete(AuditEntry).where(AuditEntry.actor == "bench-import"))
            db.session.commit()
    summary = {
        "rows": rows, "register": register, "sheet_bytes": len(data), "valid": len(result.valid),
        "refused_rows": result.rejected, "warnings": len(result.warnings), "imported": imported,
        "validate_s": round(validate_s, 1), "commit_s": round(commit_s, 1),
        # CPU time of this process: on a shared machine the wall time also counts the others' work.
        "validate_cpu_s": round(validate_cpu, 1), "commit_cpu_s": round(commit_cpu, 1),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "meets_target": validate_s < TARGETS_S["validate"] and commit_s < TARGETS_S["commit"],
        "database": url.split("://", 1)[0], "date": date.today().isoformat(),
    }
    out.write(f"import {rows:,} rows (register of {register:,}): validate {validate_s:.1f} s "
              f"(CPU {validate_cpu:.1f} s; target < {TARGETS_S['validate']} s), commit {commit_s:.1f} s "
              f"(CPU {commit_cpu:.1f} s; target < {TARGETS_S['commit']} s); "
              f"{imported:,} imported, {result.rejected:,} refused, {len(result.warnings):,} warnings"
              f"{'' if summary['meets_target'] else '  OVER TARGET'}\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the imported rows")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    summary = run(args.database_url, args.rows, args.seed, args.keep)
    Path(args.output).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return 0 if summary["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
