"""CSV/XLSX export safety: neutralize spreadsheet formula injection."""

from __future__ import annotations

from typing import Any

# Characters that make Excel/LibreOffice/Sheets treat a cell as a formula (OWASP CSV injection).
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: Any) -> Any:
    """Prefix risky strings with `'`; leave numbers and other types alone, None -> ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    # Spreadsheets ignore leading whitespace before evaluating, so check after it too.
    if value.startswith(_TRIGGERS) or value.lstrip().startswith(_TRIGGERS):
        return "'" + value
    return value
