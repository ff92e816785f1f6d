"""Migration integrity1 cleans the text stored before the cleaning rule existed (issue 12)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa

from extensions import db
from models.beneficiary import Beneficiary
from models.reference import Channel
from tests.registry_helpers import make_beneficiary

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "integrity_cleaning.py"


def _migration():
    spec = importlib.util.spec_from_file_location("integrity_cleaning", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stored_rows_are_cleaned_and_the_audit_trail_is_left_alone(app):
    nul = "\x00" if db.engine.dialect.name == "sqlite" else ""  # PostgreSQL text cannot even hold NUL
    person = make_beneficiary()
    db.session.add(Channel(code="old", name_ar=f"قناة{nul}\x01 قديمة", name_en=" Old\u202e "))
    db.session.commit()
    db.session.execute(sa.update(Beneficiary).where(Beneficiary.id == person.id).values(
        first_name="\u202eأحمد", notes=f"سطر{nul}\x07 أول\r\nسطر\tثان\u202e"))
    db.session.execute(sa.text("INSERT INTO audit_entry (at, actor, action, table_name, record_id, note) "
                               "VALUES (CURRENT_TIMESTAMP, 'x', 'update', 'channel', '1', :note)"),
                       {"note": "ملاحظة\x01"})
    db.session.commit()
    migration = _migration()
    metadata = sa.MetaData()
    with db.engine.begin() as connection:
        metadata.reflect(bind=connection)
        for table in metadata.sorted_tables:
            if table.name not in migration.NOT_CLEANED:
                migration._clean_table(connection, table)
    db.session.expire_all()
    stored = db.session.get(Beneficiary, person.id)
    assert (stored.first_name, stored.notes) == ("أحمد", "سطر أول\nسطر\tثان")
    channel = db.session.scalar(sa.select(Channel).where(Channel.code == "old"))
    assert (channel.name_ar, channel.name_en) == ("قناة قديمة", "Old")
    assert db.session.scalar(sa.text("SELECT note FROM audit_entry WHERE actor = 'x'")) == "ملاحظة\x01"


def test_arabic_file_names_get_an_ascii_fallback():
    from workflow.storage import content_disposition

    header = content_disposition("attachment", "تقرير البحث.pdf")
    assert 'filename="file.pdf"' in header and "filename*=UTF-8''" in header
    assert 'filename="report_2025.pdf"' in content_disposition("attachment", "report 2025.pdf")
