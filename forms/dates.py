"""Date and date-time fields shared by every form (staff screens, Flask-Admin, public pages).

- A date is typed in the browser's own date input (one picker, in the reader's language, on
  every screen) or, next to it, as a Hijri date (Umm al-Qura): many beneficiaries' papers carry
  only the Hijri date. Both are shown again when the form comes back.
- Anything that is not a date (a date-time, "15/9/2025 10:00", a Hijri date out of range) says
  "not a valid date" with the expected format, even on a required field (WTForms' DataRequired
  used to replace that message with "This field is required").
- A date-time is typed and shown in the organisation's time zone (TIMEZONE) and kept in UTC.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l
from hijridate import Hijri
from markupsafe import Markup, escape
from wtforms import fields, widgets

from workflow.dates import hijri, local_zone, to_local
from workflow.identity import BIDI_CONTROLS, _DIGITS

HIJRI_SUFFIX = "_hijri"
_CLEAN = {**_DIGITS, **{ord(c): None for c in BIDI_CONTROLS}}
_YMD = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*(?:هـ|ه|AH)?\s*$", re.I)
_DMY = re.compile(r"^\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})\s*(?:هـ|ه|AH)?\s*$", re.I)

INVALID_DATE = _l("Not a valid date: write it as YYYY-MM-DD, for example 2025-09-15.")
INVALID_HIJRI = _l("Not a valid Hijri date: write it as YYYY-MM-DD, for example 1447-03-23.")
HIJRI_MISMATCH = _l("The Gregorian and the Hijri dates are different days: keep one of them.")
INVALID_DATETIME = _l("Not a valid date and time: write it as YYYY-MM-DD HH:MM, for example 2025-09-15 13:30.")


def _parts(text: str) -> tuple[int, int, int] | None:
    text = text.translate(_CLEAN)
    match = _YMD.match(text)
    if match:
        return int(match[1]), int(match[2]), int(match[3])
    match = _DMY.match(text)
    if match:
        return int(match[3]), int(match[2]), int(match[1])
    return None


def parse_gregorian(text: str) -> date | None:
    parts = _parts(text)
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def parse_hijri(text: str) -> date | None:
    """'1447-03-23' (or 23/03/1447, Arabic digits, a trailing هـ) → 2025-09-15 (Umm al-Qura)."""
    parts = _parts(text)
    if parts is None:
        return None
    try:
        return date(*Hijri(*parts).to_gregorian().datetuple())
    except (ValueError, OverflowError):
        return None


class DualDateInput(widgets.DateInput):
    """The native date input and, beside it, the same date in Hijri."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("dir", "ltr")
        if field.flags.required:
            kwargs.setdefault("required", True)
        gregorian = super().__call__(field, **kwargs)
        value = getattr(field, "hijri_raw", "") or (hijri(field.data) if isinstance(field.data, date) else "")
        label = escape(_l("%(label)s (Hijri)", label=field.label.text))
        return Markup(
            '<span class="dual-date-input">{gregorian}'
            '<span class="hijri-input"><input type="text" name="{name}" id="{id}" value="{value}" dir="ltr" '
            'inputmode="numeric" placeholder="1447-03-23" aria-label="{label}" title="{label}" '
            'class="form-control" size="10"> <span aria-hidden="true">{suffix}</span></span></span>'
        ).format(gregorian=gregorian, name=field.name + HIJRI_SUFFIX, id=field.id + HIJRI_SUFFIX,
                 value=value, label=label, suffix=_l("AH"))


class DateField(fields.DateField):
    """A date typed in Gregorian or Hijri; see the module's docstring."""

    widget = DualDateInput()
    explains_own_errors = True  # forms.text_input.explain_unreadable_input leaves its messages alone

    def process(self, formdata, data=fields.core.unset_value, extra_filters=None):
        self.hijri_raw = ""
        if formdata is not None:
            self.hijri_raw = (formdata.get(self.name + HIJRI_SUFFIX) or "").strip()
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        if not valuelist and not self.hijri_raw:
            return
        text = " ".join(valuelist).strip()
        self.data = None
        gregorian = hijri_day = None
        if text:
            gregorian = parse_gregorian(text)
            if gregorian is None:
                raise ValueError(INVALID_DATE)
        if self.hijri_raw:
            hijri_day = parse_hijri(self.hijri_raw)
            if hijri_day is None:
                raise ValueError(INVALID_HIJRI)
        if gregorian and hijri_day and gregorian != hijri_day:
            raise ValueError(HIJRI_MISMATCH)
        self.data = gregorian or hijri_day
        if self.data is not None:
            self.raw_data = [self.data.isoformat()]  # "required" checks see the date typed in Hijri

    def validate(self, form, extra_validators=()):
        # A typing mistake is reported as such: DataRequired would replace it with "required".
        if self.process_errors:
            self.errors = [str(e) for e in self.process_errors]
            return False
        return super().validate(form, extra_validators)


class LocalDateTimeInput(widgets.DateTimeLocalInput):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("dir", "ltr")
        if field.flags.required:
            kwargs.setdefault("required", True)
        return super().__call__(field, **kwargs)


class LocalDateTimeField(fields.DateTimeField):
    """Typed and shown in the organisation's time zone; `data` is a UTC datetime."""

    widget = LocalDateTimeInput()
    explains_own_errors = True
    formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        super().__init__(label, validators, format=list(self.formats), **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            local = to_local(self.data) if self.data.tzinfo else self.data
            return local.strftime("%Y-%m-%dT%H:%M")
        return ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip().translate(_CLEAN)
        self.data = None
        if not text:
            return
        for fmt in self.formats:
            try:
                typed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            self.data = typed.replace(tzinfo=local_zone()).astimezone(timezone.utc)
            return
        raise ValueError(INVALID_DATETIME)

    def validate(self, form, extra_validators=()):
        if self.process_errors:
            self.errors = [str(e) for e in self.process_errors]
            return False
        return super().validate(form, extra_validators)
