"""Corrections to Flask-Admin's own Arabic catalogue, kept in the project's catalogue.

Flask-Admin translates its buttons and messages from its own `admin` domain, and its Arabic has
mistakes people see on every form: «إالغاء» for Cancel, «بحث» (search) for Filter, «مسح?» with a
Latin question mark, "failed to create" when an update failed… Flask-Babel merges the project's
`admin` directory *before* Flask-Admin's, so the package's text would win; instead, the msgids
below are translated in translations/<lang>/LC_MESSAGES/messages.po like any project text and
laid over Flask-Admin's catalogue when it is loaded.
"""
from __future__ import annotations

import types


def N_(text: str) -> str:  # marks a msgid for extraction (pybabel's default keywords)
    return text


def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:  # a plural msgid, marked the same way
    return singular, plural


CORRECTED = (
    N_("Cancel"),
    N_("Delete"),
    N_("Delete?"),
    N_("Edit Record"),
    N_("Filter"),
    N_("Reset Filters"),
    N_("With selected"),
    N_("Name"),
    N_("greater than"),
    N_("not contains"),
    N_("Invalid time format"),
    N_("Invalid Filter Value: %(value)s"),
    N_("Invalid Choice: could not coerce"),
    N_("Failed to update record. %(error)s"),
    N_("Failed to delete records. %(error)s"),
    N_("Are you sure you want to delete selected records?"),
    N_("Are you sure you want to delete these files?"),
)
CORRECTED_PLURALS = (
    ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.", 2),
)


def _lay_over(admin_translations, project_translations) -> None:
    own = getattr(project_translations, "_catalog", {})
    catalog = getattr(admin_translations, "_catalog", None)
    if catalog is None:
        return
    for msgid in CORRECTED:
        if own.get(msgid):
            catalog[msgid] = own[msgid]
    for singular, _plural in CORRECTED_PLURALS:
        for index in range(6):
            if own.get((singular, index)):
                catalog[(singular, index)] = own[(singular, index)]


def use_project_corrections() -> None:
    """Make Flask-Admin's translation domain read the corrections above (once per process)."""
    import flask_babel
    from flask_admin import babel as admin_babel

    domain = getattr(admin_babel, "domain", None)
    if domain is None or getattr(domain, "_project_corrections", False):
        return
    original = domain.get_translations

    def get_translations(self):
        translations = original()
        if not getattr(translations, "_project_corrected", False):
            _lay_over(translations, flask_babel.get_domain().get_translations())
            try:
                translations._project_corrected = True
            except AttributeError:  # NullTranslations outside a request: nothing to correct
                pass
        return translations

    domain.get_translations = types.MethodType(get_translations, domain)
    domain._project_corrections = True
