"""The one cleaning rule for everything people type (admin and public forms, imports, the
migration that cleaned the rows stored before it).

- Unicode NFC, so the same letters are the same bytes (search, duplicates, exports);
- no C0/C1 control characters (NUL and friends break PostgreSQL, XML/XLSX and terminals)
  except newline and tab in multi-line text;
- no bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069): with them a
  name or a file name displays reversed ("‮gpj.exe"); names and single-line fields also lose
  the invisible direction marks (U+200E, U+200F, U+061C) that come with copy and paste;
- trimmed.
Zero-width joiners stay: Arabic and Persian spelling needs them.
"""
from __future__ import annotations

import re
import unicodedata

BIDI_EMBEDDINGS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
DIRECTION_MARKS = frozenset(("\u200e", "\u200f", "\u061c"))

_C0_C1 = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
_MULTILINE = {ord(c): None for c in _C0_C1 if c not in "\t\n"} | {ord(c): None for c in BIDI_EMBEDDINGS}
_MULTILINE.update({0x2028: "\n", 0x2029: "\n"})
_SINGLE_LINE = {ord(c): None for c in _C0_C1} | {ord(c): None for c in BIDI_EMBEDDINGS | DIRECTION_MARKS}
_SINGLE_LINE.update({ord("\t"): " ", ord("\n"): " ", 0x2028: " ", 0x2029: " "})
_NEWLINES = re.compile(r"\r\n?")

# Characters XML 1.0 (and so XLSX) cannot hold at all.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_input(value, multiline: bool = False):
    """`value` cleaned by the rule above; anything that is not a string is returned as it is."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", _NEWLINES.sub("\n", value))
    text = text.translate(_MULTILINE if multiline else _SINGLE_LINE)
    return text.strip()


def needs_cleaning(value, multiline: bool = False) -> bool:
    return isinstance(value, str) and clean_input(value, multiline) != value


def xml_safe(value):
    """A string an XML (XLSX) cell can hold: the characters XML forbids are dropped."""
    if not isinstance(value, str):
        return value
    return _XML_ILLEGAL.sub("", value)
