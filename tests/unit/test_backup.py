"""Backup and restore round trip: a fresh database gets the same rows back."""
import os
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary
from tests.conftest import _config
from tests.report_fixtures import channel, communication, decide, household, person, request, service, utc
from workflow.backup import row_counts


def _populate():
    web, food = channel("web", "الموقع"), service("سلة غذائية")
    for i in range(3):
        b = person(first_name=f"اسم{i}")
        household(b, national_id=f"20000000{i:02d}")
        communication(b)
        a = request(b, food, web, utc(2025, 1, 10 + i, 9, 0))
        if i:
            decide(a, "accept", utc(2025, 2, 1, 9, 0))
    db.session.commit()


def _sample():
    return [(b.national_id, b.full_name, b.phone, [m.name for m in b.household])
            for b in db.session.scalars(db.select(Beneficiary).order_by(Beneficiary.id))] + [
        (a.reference, a.status, a.received_at.isoformat()) for a in
        db.session.scalars(db.select(Application).order_by(Application.id))]


def _migrated_app(url, tmp_path):
    fresh = create_app(_config(url, tmp_path / "uploads"))
    with fresh.app_context():
        from flask_migrate import upgrade

        upgrade()
    return fresh


def _round_trip(source_app, target_app, backup_file):
    with source_app.app_context():
        _populate()
        counts, sample = row_counts(), _sample()
        result = source_app.test_cli_runner().invoke(args=["backup", str(backup_file)])
        assert result.exit_code == 0, result.output
        assert backup_file.stat().st_size > 0
        assert oct(backup_file.stat().st_mode & 0o777) == "0o600"
    with target_app.app_context():
        assert not any(row_counts().values())
        result = target_app.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert row_counts() == counts
        assert counts["beneficiary"] == 3 and counts["application"] == 3
        assert _sample() == sample
        # Now it holds data: a second restore is refused without --force...
        result = target_app.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert result.exit_code != 0 and "not empty" in result.output
        # ...and accepted with it.
        result = target_app.test_cli_runner().invoke(args=["restore", "--force", str(backup_file)])
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert row_counts() == counts


def test_sqlite_backup_restores_into_a_fresh_database(tmp_path):
    source = _migrated_app(f"sqlite:///{tmp_path / 'source.db'}", tmp_path)
    target = _migrated_app(f"sqlite:///{tmp_path / 'target.db'}", tmp_path)
    _round_trip(source, target, tmp_path / "backups" / "copy.sqlite")


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    target = _migrated_app(f"sqlite:///{tmp_path / 'target.db'}", tmp_path)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database")
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "not an SQLite backup" in result.output


PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.mark.skipif(not PG_URL.startswith("postgresql") or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
                    reason="needs TEST_DATABASE_URL (PostgreSQL) and pg_dump/pg_restore")
def test_postgresql_backup_restores_into_a_fresh_database(tmp_path):
    base = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    names = [f"backup_src_{uuid.uuid4().hex[:8]}", f"backup_dst_{uuid.uuid4().hex[:8]}"]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
        source = _migrated_app(urls[0], tmp_path)
        target = _migrated_app(urls[1], tmp_path)
        _round_trip(source, target, tmp_path / "copy.dump")
        for application in (source, target):
            with application.app_context():
                db.engine.dispose()
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
