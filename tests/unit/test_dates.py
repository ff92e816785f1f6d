from datetime import date, datetime, timezone

from workflow.dates import dual_date, hijri


def test_board_approval_date_of_the_endowment_policy():
    # Policy 004: meeting 161 on 1447-03-23 AH = 2025-09-15.
    assert hijri(date(2025, 9, 15)) == "1447-03-23"


def test_dual_date_in_arabic_and_english(app):
    from flask_babel import force_locale

    with app.test_request_context("/"):
        assert dual_date(date(2025, 9, 15)) == "2025-09-15 (1447-03-23 هـ)"
        with force_locale("en"):
            assert dual_date(date(2025, 9, 15)) == "2025-09-15 (1447-03-23 AH)"


def test_datetimes_are_shown_in_riyadh_time(app):
    # 22:30 UTC on 31 Jan is already 1 Feb in Riyadh (UTC+3): the Hijri day follows the local date.
    late = datetime(2025, 1, 31, 22, 30, tzinfo=timezone.utc)
    with app.test_request_context("/?lang=ar"):
        assert dual_date(late, with_time=True).startswith("2025-02-01 01:30 (")
        assert hijri(late) == hijri(date(2025, 2, 1))


def test_empty_and_out_of_range_dates(app):
    with app.test_request_context("/"):
        assert dual_date(None) == ""
        assert dual_date(date(1800, 1, 1)) == "1800-01-01"  # outside Umm al-Qura tables: Gregorian only
