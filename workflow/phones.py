"""Saudi mobile number normalization (E.164) and masking."""

from __future__ import annotations

import re

import phonenumbers
from flask_babel import lazy_gettext as _l
from phonenumbers import PhoneNumberType

from workflow.identity import normalize_digits

_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
_ALLOWED = re.compile(r"\+?\d{5,15}")


def normalize_saudi_mobile(value: str) -> str:
    """Accept common local/international spellings and return E.164, e.g. `+966551138821`."""
    raw = normalize_digits(value or "")
    raw = re.sub(r"[().]", "", raw)  # "(055) 113.8821" style punctuation
    if not raw:
        raise ValueError(_l("Mobile number is required."))
    # Letters would be read as vanity digits by phonenumbers; refuse them outright.
    if not _ALLOWED.fullmatch(raw):
        raise ValueError(_l("Enter a valid Saudi mobile number, e.g. 05XXXXXXXX."))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    elif raw.startswith("966") and len(raw) == 12:
        raw = "+" + raw  # country code typed without the plus
    try:
        num = phonenumbers.parse(raw, "SA")
    except phonenumbers.NumberParseException:
        raise ValueError(_l("Enter a valid Saudi mobile number, e.g. 05XXXXXXXX.")) from None
    if num.country_code != 966:
        raise ValueError(_l("Only Saudi mobile numbers (+966) are accepted."))
    if not phonenumbers.is_valid_number(num):
        raise ValueError(_l("Enter a valid Saudi mobile number, e.g. 05XXXXXXXX."))
    if phonenumbers.number_type(num) not in _MOBILE_TYPES:
        # SMS/WhatsApp contact needs a mobile; landlines are refused.
        raise ValueError(_l("This is not a mobile number. Enter a Saudi mobile number starting with 05."))
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """`+966551138821` -> `+9665*****821`: country code + first digit, then the last 3."""
    if not e164:
        return ""
    digits = normalize_digits(e164).lstrip("+")
    try:
        cc_len = len(str(phonenumbers.parse("+" + digits).country_code))
    except phonenumbers.NumberParseException:
        cc_len = 3 if digits.startswith("966") else 0
    keep = cc_len + 1
    if len(digits) < keep + 4:  # too short to reveal anything safely
        return "*" * len(digits)
    return "+" + digits[:keep] + "*" * (len(digits) - keep - 3) + digits[-3:]


def last4(e164: str | None) -> str:
    """Last four digits, e.g. for 'ends with 8821' prompts."""
    digits = normalize_digits(e164 or "").lstrip("+")
    return digits[-4:] if len(digits) >= 4 else ""
