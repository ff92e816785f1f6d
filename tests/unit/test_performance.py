"""The performance helpers of the shared base: indexed search, ajax lookups, eager loads."""
from __future__ import annotations

from sqlalchemy.orm import Load

from admin_views.lookups import ApplicationLoader, BeneficiaryLoader, default_ajax_refs
from admin_views.performance import CappedCount, eager_options, search_condition
from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary, Document
from models.committee import Decision


def _person(nid, first, family, phone):
    b = Beneficiary(national_id=nid, first_name=first, father_name="محمد", grandfather_name="علي",
                    family_name=family, gender="male", phone=phone, city="سكاكا")
    db.session.add(b)
    return b


def _found(text):
    """What the beneficiary look-up of a form offers for `text` (first names, sorted)."""
    return sorted(b.first_name for b in BeneficiaryLoader("beneficiary").get_list(text))


def test_beneficiary_lookup_finds_any_word_in_any_spelling(app):
    _person("1000000008", "أحمد", "العنزي", "+966501234567")
    _person("1000000016", "محمد", "الأحمد", "+966501234568")
    _person("1000000024", "احمد", "الشمري", "+966501234569")
    db.session.commit()
    assert _found("احمد") == ["أحمد", "احمد", "محمد"]  # الأحمد is also found as احمد
    assert _found("إحمد العنزى") == ["أحمد"]  # every word typed must begin a word of the name
    assert _found("العنزي") == ["أحمد"] and _found("عنزي") == ["أحمد"]  # family name, with or without ال
    assert _found("حمد") == []  # the middle of a word is not a match
    assert _found("1000000016") == ["محمد"]
    assert _found("١٠٠٠٠٠٠٠١٦") == ["محمد"]  # Arabic-Indic digits
    assert _found("0501234569") == ["احمد"]  # local spelling of the stored +966 number
    assert _found("   ") == []


def test_lookup_hides_anonymised_people_and_masks_ids(app):
    kept = _person("1000000008", "أحمد", "العنزي", "+966501234567")
    gone = _person("1000000016", "أحمد", "الشمري", "+966501234568")
    db.session.commit()
    from workflow.privacy import anonymise

    anonymise(gone)
    db.session.commit()
    loader = BeneficiaryLoader("beneficiary")
    assert [b.id for b in loader.get_list("احمد")] == [kept.id]
    assert "1000000008" not in loader.format(kept)[1]


def test_search_treats_like_wildcards_as_text(app):
    _person("1000000008", "أحمد", "العنزي", "+966501234567")
    db.session.commit()
    assert _found("%") == [] and _found("_") == []
    dialect = db.engine.dialect.name
    spec = (("reference", "prefix", str.strip),)
    assert db.session.scalars(db.select(Application).where(search_condition(Application, spec, "%", dialect))).all() == []


def test_relations_to_large_tables_get_indexed_ajax_lookups(app):
    refs = default_ajax_refs(Document)
    assert set(refs) == {"beneficiary"}
    assert isinstance(refs["beneficiary"], BeneficiaryLoader)
    assert isinstance(default_ajax_refs(Decision)["application"], ApplicationLoader)
    assert default_ajax_refs(Document, form_columns=("notes",)) == {}
    assert default_ajax_refs(Document, excluded=("beneficiary",)) == {}
    _person("1000000008", "أحمد", "العنزي", "+966501234567")
    db.session.commit()
    assert [b.full_name for b in refs["beneficiary"].get_list("احمد")] == ["أحمد محمد علي العنزي"]


def test_eager_options_follow_dotted_paths():
    options = eager_options(Application, ["beneficiary", "events.user", Load(Application)])
    assert len(options) == 3


def test_capped_count_prints_with_a_plus():
    assert str(CappedCount(10000)) == "10,000+" and CappedCount(10000) + 1 == 10001


def test_name_search_reads_the_word_index_not_the_names(app):
    """On SQLite (the laptop default) the any-word search is an index range, never a table scan."""
    import pytest
    from sqlalchemy import select

    from workflow.registry import search_clause

    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans tiny test tables as sequential scans; bench/ measures it at size")
    stmt = select(Beneficiary.id).where(search_clause("احمد العنزي")).order_by(Beneficiary.created_at.desc()).limit(25)
    compiled = stmt.compile(dialect=db.engine.dialect)
    params = tuple(compiled.params[name] for name in compiled.positiontup)
    with db.engine.connect() as connection:
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)]
    assert any("ix_beneficiary_name_word_word" in step for step in plan), plan
    assert not any(step.startswith("SCAN") and "beneficiary" in step for step in plan), plan
