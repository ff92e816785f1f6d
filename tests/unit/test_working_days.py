"""Response deadlines in Saudi working days (Sunday to Thursday)."""
from datetime import date, timedelta

import pytest

from workflow.working_days import add_working_days, is_working_day, working_days_between

# 2026-12-03 is a Thursday, 12-04 Friday, 12-05 Saturday, 12-06 Sunday.
THU, FRI, SAT, SUN = date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)


def test_friday_and_saturday_are_the_weekend():
    assert [is_working_day(SUN + timedelta(days=i)) for i in range(7)] == [True] * 5 + [False, False]


@pytest.mark.parametrize("received, due", [
    (SUN, date(2026, 12, 13)),  # Mon–Thu (4), next Sunday (5)
    (THU, date(2026, 12, 10)),  # Sun–Thu of the next week
    (FRI, date(2026, 12, 10)),  # received on the weekend: the same Thursday
    (SAT, date(2026, 12, 10)),
])
def test_five_working_days_skip_friday_and_saturday(received, due):
    assert add_working_days(received, 5) == due
    assert is_working_day(add_working_days(received, 5))


def test_zero_days_is_the_day_itself_and_negative_is_refused():
    assert add_working_days(THU, 0) == THU
    with pytest.raises(ValueError):
        add_working_days(THU, -1)


def test_working_days_between_counts_only_working_days():
    assert working_days_between(THU, date(2026, 12, 10)) == 5
    assert working_days_between(FRI, SAT) == 0
    assert working_days_between(date(2026, 12, 10), THU) == -5
    assert working_days_between(THU, THU) == 0
