"""The audit trail, browsable and filterable, never editable."""
from __future__ import annotations

import json
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from admin_views.base import ReadOnlyModelView
from models.audit import AuditEntry
from workflow.dates import dual_date, dual_date_html
from workflow.roles import ADMIN_ONLY


ACTION_LABELS = {
    "create": _l("Created"), "update": _l("Updated"), "delete": _l("Deleted"), "login": _l("Signed in"),
    "view": _l("Viewed"), "export": _l("Exported"), "print": _l("Printed"), "preview": _l("Previewed"),
    "download": _l("Downloaded"), "login_failed": _l("Failed sign-in"), "logout": _l("Signed out"),
    "forbidden": _l("Refused (not allowed)"), "mfa_enrol": _l("Second factor set up"),
    "mfa_reset": _l("Second factor reset"), "mfa_recovery": _l("Recovery code used"),
    "revoke_sessions": _l("Sessions ended"),
}

# What each record type is called (the audit trail stores table names).
RECORD_TYPES = {
    "user": _l("User"), "beneficiary": _l("Beneficiary"), "household_member": _l("Household member"),
    "document": _l("Document"), "declaration": _l("Declaration"), "declaration_text": _l("Declaration text"),
    "communication": _l("Communication"), "application": _l("Request"), "application_event": _l("Request step"),
    "research": _l("Social research"), "committee_session": _l("Committee session"),
    "agenda_item": _l("Agenda item"), "decision": _l("Decision"), "channel": _l("Channel"),
    "document_type": _l("Document type"), "staff_tool": _l("Staff tool"), "service_type": _l("Service"),
    "eligibility_criterion": _l("Eligibility criterion"), "organisation_profile": _l("Organisation profile"),
    "volunteer": _l("Volunteer"), "volunteer_field": _l("Volunteer skill or interest"),
    "survey_question": _l("Survey question"), "survey_invitation": _l("Survey invitation"),
    "survey_response": _l("Survey response"), "survey_answer": _l("Survey answer"), "stored_file": _l("File"),
    "privacy_request": _l("Data protection request"), "breach_incident": _l("Data breach"),
    "public_submission": _l("Public form"), "reference_counter": _l("Reference numbers"), "report": _l("Report"),
}


def record_type_label(table_name: str) -> str:
    return str(RECORD_TYPES.get(table_name, table_name))


# Fields the screens do not label themselves (kept by the audit trail all the same).
COMMON_FIELD_LABELS = {
    "name": _l("Name"), "relation": _l("Relation"), "has_disability": _l("Health condition or disability"),
    "token": _l("Link code"), "active": _l("Active"), "status": _l("Status"), "version": _l("Version"),
    "email": _l("Email"), "phone": _l("Phone"), "role": _l("Role"), "full_name": _l("Full name"),
    "national_id": _l("National ID / iqama"), "birth_date": _l("Birth date"), "notes": _l("Notes"),
    "monthly_income": _l("Monthly income (SAR)"), "sort_order": _l("Order"), "code": _l("Code"),
    "name_ar": _l("Name (Arabic)"), "name_en": _l("Name (English)"), "password_hash": _l("Password"),
    "last_login_at": _l("Last sign-in"), "at": _l("Time"), "subject": _l("Subject"), "summary": _l("Summary"),
}
_FIELD_LABELS: dict[str, dict] = {}


def _labels_by_table() -> dict[str, dict]:
    """{table: {field: lazy label}} from the screens' own column labels and inline forms, built once."""
    if _FIELD_LABELS:
        return _FIELD_LABELS
    from flask import current_app

    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            model = getattr(view, "model", None)
            table = getattr(model, "__tablename__", None)
            if table:
                labels = _FIELD_LABELS.setdefault(table, {})
                for key, label in (getattr(view, "column_labels", None) or {}).items():
                    labels.setdefault(key, label)
            for inline in getattr(view, "inline_models", None) or ():
                inline_table = getattr(getattr(inline, "model", None), "__tablename__", None)
                if not inline_table:
                    continue
                labels = _FIELD_LABELS.setdefault(inline_table, {})
                for key, args in (getattr(inline, "form_args", None) or {}).items():
                    if isinstance(args, dict) and args.get("label"):
                        labels.setdefault(key, args["label"])
                for key, label in (getattr(inline, "column_labels", None) or {}).items():
                    labels.setdefault(key, label)
    return _FIELD_LABELS


def field_label(table_name: str, key: str) -> str:
    """A stored field's name as the screens call it, in the reader's language (never a raw key
    such as `has_disability`, unless nothing anywhere names it)."""
    label = _labels_by_table().get(table_name, {}).get(key) or COMMON_FIELD_LABELS.get(key)
    return str(label) if label else key


def _record_type(text: str) -> str:
    """The search box takes a record type by its name in either language, or its code."""
    from flask_babel import force_locale

    from workflow.arabic import fold_arabic

    names = {}
    for lang in ("ar", "en"):
        with force_locale(lang):
            names.update({fold_arabic(str(label)): code for code, label in RECORD_TYPES.items()})
    return names.get(fold_arabic(text), _lowered(text))


def _value(value) -> str:
    """A stored value as a person reads it: no ISO stamps with +00:00, no None/True/False."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return dual_date(datetime.fromisoformat(value), with_time=True)
        except ValueError:
            return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    rows = []
    for key, value in model.changes.items():
        label = field_label(model.table_name, key)
        if isinstance(value, list) and len(value) == 2:
            rows.append(Markup('<div><span class="field-name" title="{}">{}</span>: <bdi>{}</bdi> → <bdi>{}</bdi></div>')
                        .format(key, label, _value(value[0]), _value(value[1])))
        else:
            rows.append(Markup('<div><span class="field-name" title="{}">{}</span>: <bdi>{}</bdi></div>').format(
                key, label, _value(value)))
    return Markup('<div class="audit-changes">{}</div>').format(Markup("").join(rows))


def _lowered(text: str) -> str:
    return (text or "").strip().lower()


class AuditAdmin(ReadOnlyModelView):
    roles_read = ADMIN_ONLY
    roles_export = ADMIN_ONLY
    can_set_page_size = True
    column_default_sort = ("id", True)
    column_list = ("at", "actor", "action", "table_name", "record_id", "changes", "note")
    column_filters = ("actor", "action", "table_name", "record_id", "at")
    column_searchable_list = ("actor", "table_name", "record_id")
    # The start of who acted (an email), a record type or a record number, each from an index:
    # ILIKE '%q%' over four columns read the whole trail (150,000 rows) for every search.
    column_searchable_indexed = (("actor", "prefix", _lowered), ("table_name", "exact", _record_type),
                                 ("record_id", "exact", str.strip))
    column_labels = {
        "at": _l("Time"), "actor": _l("By"), "action": _l("Action"), "table_name": _l("Record type"),
        "record_id": _l("Record"), "changes": _l("Changes"), "note": _l("Note"), "user": _l("User"),
    }
    column_formatters = {
        "at": lambda v, c, m, n: Markup('<span class="text-nowrap">{}</span>').format(dual_date_html(m.at, with_time=True)),
        "action": lambda v, c, m, n: ACTION_LABELS.get(m.action, m.action),
        "table_name": lambda v, c, m, n: record_type_label(m.table_name),
        "changes": _changes,
    }
    column_formatters_export = {
        "at": lambda v, c, m, n: m.at.isoformat(),
        "changes": lambda v, c, m, n: json.dumps(m.changes, ensure_ascii=False) if m.changes else "",
    }

    def __init__(self, db, **kwargs):
        super().__init__(AuditEntry, db, **kwargs)

    def search_placeholder(self):
        return _("Email of the person, record type or number")
