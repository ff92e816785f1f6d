"""Arabic text folding for search and name helpers."""

from __future__ import annotations

import re
import unicodedata

from workflow.identity import BIDI_CONTROLS

# Diacritics users may or may not type: harakat, superscript alef, and
# Quranic annotation marks (which appear in text pasted from religious sources).
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")

_FOLD = {
    **{ord(c): "\u0627" for c in "\u0623\u0625\u0622\u0671"},  # أ إ آ ٱ -> ا
    0x0629: "\u0647",  # ة -> ه
    0x0649: "\u064a",  # ى -> ي
    0x0624: "\u0648",  # ؤ -> و
    0x0626: "\u064a",  # ئ -> ي
    0x06CC: "\u064a",  # Persian yeh (keyboard variant) -> ي
    0x06A9: "\u0643",  # Persian kaf (keyboard variant) -> ك
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
    **{ord(c): None for c in BIDI_CONTROLS},
}


def fold_arabic(text: str | None) -> str:
    """Normalize text so common spelling variants of the same name compare equal."""
    if not text:
        return ""
    # NFKC maps Arabic presentation forms (from PDFs) back to base letters.
    text = unicodedata.normalize("NFKC", str(text))
    text = _DIACRITICS.sub("", text).translate(_FOLD).lower()
    return " ".join(text.split())


def full_name(*parts: str | None) -> str:
    """Join non-empty name parts with single spaces."""
    return " ".join(" ".join(str(p).split()) for p in parts if p and str(p).strip())


# --- name words (the search index) ---------------------------------------------------
# Compound names written with or without the space: عبد الله / عبدالله, ابو بكر / ابوبكر.
_COMPOUND_HEADS = ("عبد", "ابو")
_ARTICLE = "ال"
# Longest word kept in the index (the column's size); longer tokens are cut.
NAME_WORD_LENGTH = 80


def name_words(folded_name: str) -> set[str]:
    """The words under which a (folded) name is found by word-prefix search.

    Every word of the name; a family name without its article too (العنزي is
    also found as عنزي), and a compound name joined (عبد الله also as عبدالله),
    so the usual ways of typing a name all reach it.
    """
    tokens = [t[:NAME_WORD_LENGTH] for t in (folded_name or "").split()]
    words = set(tokens)
    for i, token in enumerate(tokens):
        if token.startswith(_ARTICLE) and len(token) >= len(_ARTICLE) + 3:
            words.add(token[len(_ARTICLE):])
        if token in _COMPOUND_HEADS and i + 1 < len(tokens):
            words.add((token + tokens[i + 1])[:NAME_WORD_LENGTH])
    return words


def name_search_terms(text: str) -> list[str]:
    """What a person typed in a name search, as folded word prefixes (compound names joined).

    "عبد الله العنزى" -> ["عبدالله", "العنزي"]; each term must begin some word of the name.
    """
    tokens = fold_arabic(text).split()
    terms: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _COMPOUND_HEADS and i + 1 < len(tokens):
            token, i = token + tokens[i + 1], i + 1
        terms.append(token[:NAME_WORD_LENGTH])
        i += 1
    return list(dict.fromkeys(terms))
