"""The audit trail, browsable and filterable, never editable."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from admin_views.base import ReadOnlyModelView
from models.audit import AuditEntry
from workflow.dates import dual_date
from workflow.roles import ADMIN_ONLY


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    rows = []
    for key, value in model.changes.items():
        if isinstance(value, list) and len(value) == 2:
            text = f"{key}: {value[0]!s} → {value[1]!s}"
        else:
            text = f"{key}: {value!s}"
        rows.append(escape(text))
    return Markup("<br>").join(rows)


class AuditAdmin(ReadOnlyModelView):
    roles_read = ADMIN_ONLY
    roles_export = ADMIN_ONLY
    can_set_page_size = True
    column_default_sort = ("id", True)
    column_list = ("at", "actor", "action", "table_name", "record_id", "changes", "note")
    column_filters = ("actor", "action", "table_name", "record_id", "at")
    column_searchable_list = ("actor", "table_name", "record_id", "note")
    column_labels = {
        "at": _l("Time"), "actor": _l("By"), "action": _l("Action"), "table_name": _l("Record type"),
        "record_id": _l("Record"), "changes": _l("Changes"), "note": _l("Note"), "user": _l("User"),
    }
    column_formatters = {
        "at": lambda v, c, m, n: dual_date(m.at, with_time=True),
        "changes": _changes,
    }
    column_formatters_export = {
        "at": lambda v, c, m, n: m.at.isoformat(),
        "changes": lambda v, c, m, n: json.dumps(m.changes, ensure_ascii=False) if m.changes else "",
    }

    def __init__(self, db, **kwargs):
        super().__init__(AuditEntry, db, **kwargs)
