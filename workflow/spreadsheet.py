"""CSV/XLSX export safety: every cell of every export goes through `export_cell`.

- formula injection (OWASP CSV injection) neutralised: a text cell starting with = + - @ tab or
  CR (also after leading spaces) is prefixed with `'`;
- characters XML 1.0 cannot hold (NUL and the other C0 controls) are dropped, so openpyxl never
  refuses a cell and an export never fails on one odd character;
- related records (a service type, a channel) become their display text first, so they are
  escaped like any other text.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from text.cleaning import xml_safe

# Characters that make Excel/LibreOffice/Sheets treat a cell as a formula (OWASP CSV injection).
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN = (bool, int, float, Decimal, date, datetime, time)


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


def export_cell(value: Any) -> Any:
    """A value ready for a CSV or XLSX cell: numbers and dates as they are, everything else as
    text without XML-illegal characters and with formulas escaped."""
    if value is None:
        return ""
    if isinstance(value, _PLAIN):
        return value
    return escape_formula(xml_safe(str(value)))
