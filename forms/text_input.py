"""Every text field of every form (admin and public) is cleaned by text.cleaning, once, here:
the forms' Meta adds the filter when a field is bound, so no field can forget it."""
from __future__ import annotations

from functools import partial

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, PasswordField, StringField, TextAreaField

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


class CleanForm(Form):
    """A sub-form (FormField, FieldList entries) with cleaned text fields."""

    class Meta(CleanTextMeta, Form.Meta):
        pass


class CleanFlaskForm(FlaskForm):
    """Base of the public forms."""

    class Meta(CleanTextMeta, FlaskForm.Meta):
        pass
