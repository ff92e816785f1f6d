"""Left-to-right values inside right-to-left text: phones, ID numbers, emails, references.

In an Arabic sentence the bidi algorithm reorders a value's neutral characters: «+966551234567»
shows as «966551234567+», «REQ-1448-000001» breaks into «REQ-1448-» / «000001». Each such value
goes in its own left-to-right island (<bdi dir="ltr">); references also never wrap. Screens use
these helpers (Python formatters) and the `ltr` / `ref` template filters, not their own markup.
"""
from __future__ import annotations

from markupsafe import Markup, escape

# Form fields whose values are always written left to right (their input boxes get dir="ltr").
LTR_FIELDS = frozenset({"national_id", "phone", "mobile", "email", "reference", "licence_no", "website",
                        "contact_phone", "iqama", "number"})


def ltr(value) -> Markup:
    """One left-to-right value, isolated from the text around it ('' for nothing)."""
    if value in (None, ""):
        return Markup("")
    return Markup(f'<bdi class="ltr-value" dir="ltr">{escape(value)}</bdi>')


def reference(value) -> Markup:
    """A request reference: left to right and never broken across lines."""
    if value in (None, ""):
        return Markup("")
    return Markup(f'<bdi class="reference" dir="ltr">{escape(value)}</bdi>')


def mark_ltr_inputs(form) -> None:
    """dir="ltr" on the boxes where people type phones, IDs, emails and references, and on the
    English versions of texts (name_en, explanation_en…), so punctuation stays on the right side."""
    for name, field in getattr(form, "_fields", {}).items():
        short = name.rsplit("-", 1)[-1]  # inline rows: criteria-0-explanation_en
        if short in LTR_FIELDS or short.endswith("_en"):
            render_kw = dict(field.render_kw or {})
            render_kw.setdefault("dir", "ltr")
            field.render_kw = render_kw
