import pytest

from workflow.identity import id_kind, mask_national_id, normalize_digits, validate_national_id


def _err(value, nationality=None) -> str:
    with pytest.raises(ValueError) as excinfo:
        validate_national_id(value, nationality)
    return str(excinfo.value)


def test_normalize_digits_eastern_and_persian():
    assert normalize_digits("١٠٥٨٥٢٩٩٤٠") == "1058529940"
    assert normalize_digits("۱۰۵۸۵۲۹۹۴۰") == "1058529940"


def test_normalize_digits_strips_separators_and_bidi():
    assert normalize_digits(" 105-852 9940 ") == "1058529940"
    assert normalize_digits("\u200f1058\u2013529\u0640940\u202c") == "1058529940"
    assert normalize_digits("\u20661058529940\u2069\u200e\u202a\u202e") == "1058529940"
    assert normalize_digits("") == ""


@pytest.mark.parametrize("value", ["1058529940", "1000000008", "١٠٥٨٥٢٩٩٤٠", " 1058 529 940 ", "\u200f1058-529-940"])
def test_valid_ids(value):
    assert validate_national_id(value) == validate_national_id(value, "SA") == normalize_digits(value)


def test_known_checksums():
    assert validate_national_id("1058529940") == "1058529940"
    assert validate_national_id("1000000008") == "1000000008"
    assert "check digit" in _err("1000000000")


def test_resident_iqama():
    # 2000000006 passes Luhn and starts with 2 (resident).
    assert validate_national_id("2000000006", "EG") == "2000000006"
    assert validate_national_id("2000000006") == "2000000006"


@pytest.mark.parametrize("value", ["105852994", "10585299401", "12345", "10585a9940", "１٠٥٨٥٢٩٩٤٠x"])
def test_wrong_length_or_non_digits(value):
    assert _err(value) == "National ID must be exactly 10 digits."


def test_unicode_non_ascii_digits_rejected():
    # Superscript/other-script digits are not accepted as ID digits.
    assert _err("105852994²") == "National ID must be exactly 10 digits."


@pytest.mark.parametrize("value", [None, "", "   ", "\u200f"])
def test_required(value):
    assert _err(value) == "National ID is required."


@pytest.mark.parametrize("value", ["3058529940", "0058529940", "9999999999"])
def test_wrong_first_digit(value):
    assert _err(value) == "National ID must start with 1 (Saudi citizen) or 2 (resident)."


def test_nationality_mismatch():
    assert "does not match nationality" in _err("1058529940", "EG")
    assert "does not match nationality" in _err("2000000006", "SA")
    assert "does not match nationality" in _err("2000000006", " sa ")


def test_nationality_checked_before_checksum():
    assert "does not match nationality" in _err("1000000000", "YE")


def test_checksum_failure_message():
    assert _err("1058529941") == "National ID is not valid (check digit mismatch)."
    assert _err("2000000000") == "National ID is not valid (check digit mismatch)."


def test_mask_national_id():
    assert mask_national_id("1058529940") == "1******940"
    assert mask_national_id("١٠٥٨٥٢٩٩٤٠") == "1******940"
    assert mask_national_id(None) == ""
    assert mask_national_id("") == ""
    assert mask_national_id("123") == "***"
    assert mask_national_id("12345") == "1*345"


def test_id_kind():
    assert id_kind("1058529940") == "citizen"
    assert id_kind("٢000000006") == "resident"
    with pytest.raises(ValueError):
        id_kind("3058529940")
    with pytest.raises(ValueError):
        id_kind("")
