"""Saudi national ID / iqama rules: normalization, validation and masking."""

from __future__ import annotations

from typing import Literal

from flask_babel import lazy_gettext as _l

# Eastern Arabic (U+0660..) and Persian (U+06F0..) digits -> ASCII, because
# users type on Arabic keyboards and paste from Arabic documents.
_DIGITS = {**{0x0660 + i: str(i) for i in range(10)}, **{0x06F0 + i: str(i) for i in range(10)}}

# Invisible bidi controls that sneak in when copying from RTL text.
BIDI_CONTROLS = frozenset(
    ["\u200e", "\u200f", "\u061c"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
# Separators people use when writing numbers: dashes of all kinds and tatweel.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u0640")

_TRANSLATE = {**_DIGITS, **{ord(c): None for c in BIDI_CONTROLS | _SEPARATORS}}

IdKind = Literal["citizen", "resident"]


def normalize_digits(text: str) -> str:
    """Convert Arabic/Persian digits to ASCII and drop spaces, dashes, tatweel and bidi marks."""
    if not text:
        return ""
    return "".join(ch for ch in str(text).translate(_TRANSLATE) if not ch.isspace())


def check_digit(body: str) -> str:
    """The digit that completes a 9-digit body into a valid ID (standard Luhn, the Saudi rule)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def _luhn_ok(digits: str) -> bool:
    return check_digit(digits[:-1]) == digits[-1]


def validate_national_id(value: str, nationality: str | None = None) -> str:
    """Return the normalized 10-digit ID, or raise ValueError with a translatable message."""
    nid = normalize_digits(value or "")
    if not nid:
        raise ValueError(_l("National ID is required."))
    if len(nid) != 10 or not nid.isascii() or not nid.isdigit():
        raise ValueError(_l("National ID must be exactly 10 digits."))
    if nid[0] not in "12":
        raise ValueError(_l("National ID must start with 1 (Saudi citizen) or 2 (resident)."))
    nat = (nationality or "").strip().upper()
    if nat:
        is_saudi = nat in ("SA", "SAU")
        if is_saudi != (nid[0] == "1"):
            raise ValueError(
                _l("National ID does not match nationality: Saudi IDs start with 1, resident (iqama) numbers start with 2.")
            )
    if not _luhn_ok(nid):
        raise ValueError(_l("National ID is not valid (check digit mismatch)."))
    return nid


def mask_national_id(value: str | None) -> str:
    """`1058529940` -> `1******940`; short values are fully masked so nothing leaks."""
    nid = normalize_digits(value or "")
    if len(nid) < 5:
        return "*" * len(nid)
    return nid[0] + "*" * (len(nid) - 4) + nid[-3:]


def id_kind(value: str) -> IdKind:
    """First digit tells citizen (1) from resident/iqama (2)."""
    first = normalize_digits(value or "")[:1]
    if first == "1":
        return "citizen"
    if first == "2":
        return "resident"
    raise ValueError(_l("National ID must start with 1 (Saudi citizen) or 2 (resident)."))
