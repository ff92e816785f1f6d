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
    "download": _l("Downloaded"),
}


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
        if isinstance(value, list) and len(value) == 2:
            rows.append(Markup('<div><code>{}</code>: {} → {}</div>').format(
                key, _value(value[0]), _value(value[1])))
        else:
            rows.append(Markup('<div><code>{}</code>: {}</div>').format(key, _value(value)))
    return Markup('<div class="audit-changes" dir="ltr">{}</div>').format(Markup("").join(rows))


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
    column_searchable_indexed = (("actor", "prefix", _lowered), ("table_name", "exact", _lowered),
                                 ("record_id", "exact", str.strip))
    column_labels = {
        "at": _l("Time"), "actor": _l("By"), "action": _l("Action"), "table_name": _l("Record type"),
        "record_id": _l("Record"), "changes": _l("Changes"), "note": _l("Note"), "user": _l("User"),
    }
    column_formatters = {
        "at": lambda v, c, m, n: Markup('<span class="text-nowrap">{}</span>').format(dual_date_html(m.at, with_time=True)),
        "action": lambda v, c, m, n: ACTION_LABELS.get(m.action, m.action),
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
