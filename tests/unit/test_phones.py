import pytest

from workflow.phones import last4, mask_phone, normalize_saudi_mobile

E164 = "+966551138821"


@pytest.mark.parametrize(
    "value",
    [
        "0551138821",
        "+966551138821",
        "00966551138821",
        "966551138821",
        "551138821",
        "٠٥٥ ١١٣ ٨٨٢١",
        "۰۵۵۱۱۳۸۸۲۱",
        "055-113-8821",
        "+966 55 113 8821",
        "\u200f+966551138821\u200e",
        "(055) 113.8821",
    ],
)
def test_accepted_forms(value):
    assert normalize_saudi_mobile(value) == E164


@pytest.mark.parametrize("value", ["0501234567", "0581234567", "0591234567", "0531234567"])
def test_other_mobile_prefixes(value):
    assert normalize_saudi_mobile(value) == "+966" + value[1:]


def _err(value) -> str:
    with pytest.raises(ValueError) as excinfo:
        normalize_saudi_mobile(value)
    return str(excinfo.value)


@pytest.mark.parametrize("value", ["0112345678", "+966112345678", "0126543210"])
def test_landline_refused(value):
    assert _err(value) == "This is not a mobile number. Enter a Saudi mobile number starting with 05."


@pytest.mark.parametrize("value", ["05511", "055113882", "05511388211", "12", "abc", "05511-38821x", "+", "0555CALLME"])
def test_invalid(value):
    assert _err(value) == "Enter a valid Saudi mobile number, e.g. 05XXXXXXXX."


@pytest.mark.parametrize("value", ["+971501234567", "00201001234567", "+14155552671"])
def test_foreign_numbers_refused(value):
    assert _err(value) == "Only Saudi mobile numbers (+966) are accepted."


@pytest.mark.parametrize("value", [None, "", "  ", "--"])
def test_required(value):
    assert _err(value) == "Mobile number is required."


def test_mask_phone():
    assert mask_phone(E164) == "+9665*****821"
    assert mask_phone("+14155552671") == "+14******671"
    assert mask_phone(None) == ""
    assert mask_phone("") == ""
    assert mask_phone("+9665") == "****"


def test_last4():
    assert last4(E164) == "8821"
    assert last4(None) == ""
    assert last4("12") == ""
