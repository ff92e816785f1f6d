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
