import pytest

from workflow.arabic import fold_arabic, full_name


@pytest.mark.parametrize(
    "a,b",
    [
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),
        ("ٱلله", "الله"),
        ("فاطمة", "فاطمه"),
        ("مصطفى", "مصطفي"),
        ("مؤمن", "مومن"),
        ("هيئة", "هييه"),
        ("علی", "علي"),  # Persian yeh
    ],
)
def test_folding_variants(a, b):
    assert fold_arabic(a) == fold_arabic(b)


def test_diacritics_removed():
    assert fold_arabic("مُحَمَّد") == "محمد"
    assert fold_arabic("عَبْدُ ٱلرَّحْمٰن") == "عبد الرحمن"
    assert fold_arabic("سًٌٍ") == "س"


def test_tatweel_removed():
    assert fold_arabic("محـــمد") == "محمد"


def test_whitespace_bidi_latin_digits():
    assert fold_arabic("  \u200fأحمد\u200e   \t علي\u202b  ") == "احمد علي"
    assert fold_arabic("Ahmed AL-Ghamdi") == "ahmed al-ghamdi"
    assert fold_arabic("غرفة ١٢٣ ۴۵") == "غرفه 123 45"


def test_presentation_forms_folded():
    # "ﺃﺣﻤﺪ" in Arabic presentation forms, as pasted from some PDFs.
    assert fold_arabic("\ufe83\ufea3\ufee4\ufeaa") == "احمد"


def test_empty():
    assert fold_arabic("") == ""
    assert fold_arabic(None) == ""


def test_full_name():
    assert full_name("محمد", " عبدالله ", None, "", "  ", "القحطاني") == "محمد عبدالله القحطاني"
    assert full_name("Ahmed  Ali", "Saleh") == "Ahmed Ali Saleh"
    assert full_name() == ""
    assert full_name(None, "") == ""


def test_name_words_cover_the_usual_spellings():
    from workflow.arabic import name_words

    words = name_words(fold_arabic("عبد الله بن محمد العنزي"))
    assert words == {"عبد", "الله", "بن", "محمد", "العنزي", "عنزي", "عبدالله"}
    assert name_words(fold_arabic("ال سعود")) == {"ال", "سعود"}  # a separate article is a word of its own
    assert "له" not in name_words("الله")  # the article is only dropped from longer words
    assert name_words("") == set()


def test_name_search_terms_join_compound_names():
    from workflow.arabic import name_search_terms

    assert name_search_terms("عبد الله العنزى") == ["عبدالله", "العنزي"]
    assert name_search_terms("عبدالله") == ["عبدالله"]
    assert name_search_terms("  أحمد  احمد ") == ["احمد"]
    assert name_search_terms("عبد") == ["عبد"]
    assert name_search_terms("") == []
