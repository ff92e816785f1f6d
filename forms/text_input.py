"""Every text field of every form (admin and public) is cleaned by text.cleaning, once, here:
the forms' Meta adds the filter when a field is bound, so no field can forget it.

And the messages every form gives for input that could not be read at all, in words people
understand: a date typed with a time (or in another format) is "not a valid date, write it as
YYYY-MM-DD", never "required"; a choice that is not one of the list's is "choose from the list",
never WTForms' untranslated "Invalid Choice: could not coerce"."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeField, FieldList, Form, FormField, HiddenField, PasswordField, StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectFieldBase

from text.cleaning import clean_input

_single_line = partial(clean_input, multiline=False)
_multiline = partial(clean_input, multiline=True)


def text_filter(field_class):
    """The cleaning filter for a field class, or None for fields that are not typed text
    (passwords are kept exactly as typed; hidden fields carry tokens)."""
    if not isinstance(field_class, type) or not issubclass(field_class, StringField):
        return None
    if issubclass(field_class, (PasswordField, HiddenField)):
        return None
    return _multiline if issubclass(field_class, TextAreaField) else _single_line


class CleanTextMeta:
    """Form Meta mixin: the cleaning filter runs first on every text field."""

    def bind_field(self, form, unbound_field, options):
        cleaning = text_filter(unbound_field.field_class)
        if cleaning is not None:
            options = dict(options, filters=[cleaning, *(unbound_field.kwargs.get("filters") or ())])
        return super().bind_field(form, unbound_field, options)


_FORMAT_WORDS = (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%H", "HH"), ("%M", "MM"), ("%S", "SS"))
_EXAMPLE = datetime(2025, 9, 15, 13, 30)  # the same example as forms/dates.py


def _format_shown(fmt: str) -> str:
    for code, word in _FORMAT_WORDS:
        fmt = fmt.replace(code, word)
    return fmt


def _fields(form):
    for field in form:
        if isinstance(field, FormField):
            yield from _fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _fields(entry.form)
                else:
                    yield entry
        else:
            yield field


def explain_unreadable_input(form) -> None:
    """Replace the messages of values that could not be read (see the module's docstring)."""
    for field in _fields(form):
        if getattr(field, "explains_own_errors", False):
            continue  # forms/dates.py says what is wrong with a date (Hijri, both calendars) itself
        raw = (field.raw_data or [""])[0] if getattr(field, "raw_data", None) else ""
        if isinstance(field, DateTimeField) and isinstance(raw, str) and raw.strip() and field.data is None:
            fmt = field.format[0] if isinstance(field.format, (list, tuple)) else field.format
            if isinstance(field, DateField):
                message = _l("Not a valid date: write it as %(format)s, for example %(example)s.",
                             format=_format_shown(fmt), example=_EXAMPLE.strftime(fmt))
            else:
                message = _l("Not a valid date and time: write it as %(format)s, for example %(example)s.",
                             format=_format_shown(fmt), example=_EXAMPLE.strftime(fmt))
            field.errors = [str(message)]
        elif isinstance(field, SelectFieldBase) and field.process_errors:
            others = [e for e in field.errors if e not in field.process_errors]
            field.errors = [str(_l("Choose one of the options in the list."))] + others


class CleanForm(Form):
    """A sub-form (FormField, FieldList entries) with cleaned text fields."""

    class Meta(CleanTextMeta, Form.Meta):
        pass


class CleanFlaskForm(FlaskForm):
    """Base of the public forms and the workflow action forms."""

    class Meta(CleanTextMeta, FlaskForm.Meta):
        pass

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        explain_unreadable_input(self)
        return valid and not any(field.errors for field in _fields(self))
