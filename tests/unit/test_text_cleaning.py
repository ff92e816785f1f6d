"""The one cleaning rule for typed text (text/cleaning.py)."""
from __future__ import annotations

import unicodedata

from text.cleaning import clean_input, xml_safe


def test_control_characters_are_dropped_newline_and_tab_kept_in_long_text():
    assert clean_input("أحمد\x00\x07\x1b\x7f\x85\x9f") == "أحمد"
    assert clean_input("سطر أول\r\nسطر\tثان\x00", multiline=True) == "سطر أول\nسطر\tثان"
    assert clean_input("سطر أول\nسطر ثان") == "سطر أول سطر ثان"  # single-line fields stay one line


def test_bidi_overrides_are_dropped_everywhere_direction_marks_in_single_line_fields():
    overrides = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
    assert clean_input(f"{overrides}محمد\u202e") == "محمد"
    assert clean_input("invoice\u202egpj.exe", multiline=True) == "invoicegpj.exe"
    assert clean_input("\u200fمحمد\u200e \u061cعلي") == "محمد علي"
    assert clean_input("مرحبا\u200f", multiline=True) == "مرحبا\u200f"  # long text keeps its marks


def test_nfc_trim_and_joiners_kept():
    decomposed = unicodedata.normalize("NFD", "é")
    assert clean_input(f"  {decomposed}  ") == "é"
    assert clean_input("می\u200cخواهم") == "می\u200cخواهم"  # ZWNJ is spelling, not a control
    assert clean_input(None) is None and clean_input(5) == 5


def test_xml_safe_drops_only_what_xml_cannot_hold():
    assert xml_safe("a\x00b\x01c\x1bd\te\nf\u202eg") == "abcd\te\nf\u202eg"
