import datetime
from decimal import Decimal

import pytest

from workflow.spreadsheet import escape_formula


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+966551138821",
        "-2+3",
        "@SUM(A1)",
        "\t=cmd",
        "\rabc",
        "=HYPERLINK(\"http://x\",\"y\")",
        "  =1+1",
        " \n@foo",
        "\u00a0+1",
    ],
)
def test_dangerous_prefixed(value):
    assert escape_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["محمد", "abc", "1+1", "a=b", "", "'=already", "email@example.com"])
def test_safe_strings_unchanged(value):
    assert escape_formula(value) == value


@pytest.mark.parametrize("value", [0, -5, 3.14, -2.5, Decimal("-1.5"), True, datetime.date(2024, 1, 1)])
def test_non_strings_unchanged(value):
    assert escape_formula(value) is value


def test_none_becomes_empty():
    assert escape_formula(None) == ""
