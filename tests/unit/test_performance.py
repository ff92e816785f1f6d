"""The performance helpers of the shared base: indexed search, ajax lookups, eager loads."""
from __future__ import annotations

from sqlalchemy.orm import Load

from admin_views.performance import (
    CappedCount,
    IndexedAjaxLoader,
    LARGE_TABLE_LOOKUPS,
    default_ajax_refs,
    eager_options,
    search_condition,
)
from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary, Document


def _person(nid, first, family, phone):
    b = Beneficiary(national_id=nid, first_name=first, father_name="محمد", grandfather_name="علي",
                    family_name=family, gender="male", phone=phone, city="سكاكا")
    db.session.add(b)
    return b


def _found(text):
    dialect = db.engine.dialect.name
    spec = LARGE_TABLE_LOOKUPS["Beneficiary"][0]
    rows = db.session.scalars(db.select(Beneficiary).where(search_condition(Beneficiary, spec, text, dialect)))
    return sorted(b.first_name for b in rows)


def test_name_search_folds_spelling_variants_and_uses_words(app):
    _person("1000000008", "أحمد", "العنزي", "+966501234567")
    _person("1000000016", "محمد", "الأحمد", "+966501234568")
    _person("1000000024", "احمد", "الشمري", "+966501234569")
    db.session.commit()
    assert _found("احمد") == ["أحمد", "احمد"]
    assert _found("إحمد العنزى") == ["أحمد"]  # first word a prefix, the family name anywhere
    assert _found("العنزي") == []  # a name is searched from its first word (the index serves that)
    assert _found("1000000016") == ["محمد"]
    assert _found("١٠٠٠٠٠٠٠١٦") == ["محمد"]  # Arabic-Indic digits
    assert _found("0501234569") == ["احمد"]  # local spelling of the stored +966 number
    assert _found("   ") == []


def test_search_treats_like_wildcards_as_text(app):
    _person("1000000008", "أحمد", "العنزي", "+966501234567")
    db.session.commit()
    assert _found("%") == [] and _found("_") == []


def test_relations_to_large_tables_get_indexed_ajax_lookups(app):
    refs = default_ajax_refs(Document, db.session)
    assert set(refs) == {"beneficiary"}
    assert isinstance(refs["beneficiary"], IndexedAjaxLoader)
    assert default_ajax_refs(Document, db.session, form_columns=("notes",)) == {}
    assert default_ajax_refs(Document, db.session, excluded=("beneficiary",)) == {}
    _person("1000000008", "أحمد", "العنزي", "+966501234567")
    db.session.commit()
    assert [str(b) for b in refs["beneficiary"].get_list("احمد")] == ["أحمد محمد علي العنزي"]


def test_eager_options_follow_dotted_paths():
    options = eager_options(Application, ["beneficiary", "events.user", Load(Application)])
    assert len(options) == 3


def test_capped_count_prints_with_a_plus():
    assert str(CappedCount(10000)) == "10,000+" and CappedCount(10000) + 1 == 10001
