"""What screen readers need from a rendered form field (WCAG 2.1: 1.3.1, 3.3.1, 3.3.2, 4.1.2).

Every form macro (the public pages' templates/public/_forms.html, the workflow forms'
templates/admin/workflow/_macros.html and Flask-Admin's render_field, wrapped once in
templates/admin/lib.html) takes its ARIA attributes and its error summary from here, so the
rules hold on every screen:
- a field with an error says so (`aria-invalid`) and points at its message and its help text
  (`aria-describedby`, the ids below);
- a required field is announced as required (`aria-required`);
- a failed form starts with a summary linking each message to its field.
"""
from __future__ import annotations

from collections.abc import Iterator

from markupsafe import Markup
from wtforms.widgets import ListWidget


def error_id(field) -> str:
    return f"{field.id}-error"


def help_id(field) -> str:
    return f"{field.id}-help"


def is_group(field) -> bool:
    """Radio buttons and check-box lists: one field, several inputs (ids field-0, field-1, ...)."""
    return isinstance(getattr(field, "widget", None), ListWidget)


def field_errors(field) -> list[str]:
    """The field's own messages (Flask-Admin's inline lists hold dicts for their sub-forms).
    A message that carries a link (Markup) keeps it."""
    return [e if isinstance(e, str) else str(e) for e in (field.errors or []) if not isinstance(e, (dict, list, tuple))]


def is_required(field) -> bool:
    flags = getattr(field, "flags", None)
    return bool(flags is not None and getattr(flags, "required", False))


def aria(field, has_help: bool = False, required: bool | None = None) -> dict[str, str]:
    """Attributes for the input itself (for a group: for each of its inputs)."""
    attrs: dict[str, str] = {}
    described = []
    if field_errors(field):
        attrs["aria-invalid"] = "true"
        described.append(error_id(field))
    if has_help:
        described.append(help_id(field))
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if (is_required(field) if required is None else required) and not is_group(field):
        attrs["aria-required"] = "true"
    return attrs


def anchor(field) -> str:
    """The id a link in the error summary jumps to: the input, or a group's first input."""
    if is_group(field):
        return f"{field.id}-0"
    return field.id


def _leaves(form) -> Iterator:
    for field in form:
        entries = getattr(field, "entries", None)
        if entries is not None:  # FieldList / Flask-Admin's inline lists
            for entry in entries:
                sub = getattr(entry, "form", None)
                if sub is not None:
                    yield from _leaves(sub)
                else:
                    yield entry
        elif getattr(field, "form", None) is not None and field.type == "FormField":
            yield from _leaves(field.form)
        else:
            yield field


def summary(form) -> list[dict]:
    """One entry per message of a failed form: {'href': '#id' or None, 'label': ..., 'message': ...}."""
    if form is None:
        return []
    entries = []
    for field in _leaves(form):
        if field.type in ("CSRFTokenField", "HiddenField"):
            continue
        for message in field_errors(field):
            if isinstance(message, Markup):  # the summary's entry is itself a link
                message = message.striptags()
            label = str(field.label.text).rstrip(" .:")  # "… volunteering.: …" reads badly
            entries.append({"href": "#" + anchor(field), "label": label, "message": message})
    for message in getattr(form, "form_errors", None) or []:
        entries.append({"href": None, "label": "", "message": str(message)})
    return entries
