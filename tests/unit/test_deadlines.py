"""Decision deadlines across month ends, with Hijri display and the overdue count."""
from __future__ import annotations

from datetime import date

import pytest

from models.application import Status
from tests import factories as f
from workflow.applications import compute_decision_due, days_left, is_overdue, overdue_count
from workflow.dates import dual_date


@pytest.mark.parametrize("received,days,due", [
    (f.utc(2025, 1, 25), 14, date(2025, 2, 8)),      # January into February
    (f.utc(2024, 2, 20), 14, date(2024, 3, 5)),      # leap February
    (f.utc(2025, 2, 20), 14, date(2025, 3, 6)),      # ordinary February
    (f.utc(2025, 12, 28), 7, date(2026, 1, 4)),      # a one-week policy across the year end
    (f.utc(2025, 1, 31, 22), 14, date(2025, 2, 15)),  # 22:00 UTC is already 1 Feb in Riyadh
])
def test_due_date_counts_local_days(app, received, days, due):
    assert compute_decision_due(received, days) == due


def test_service_period_or_organisation_default(app):
    seven = f.application(st=f.service_type(period=7), received_at=f.utc(2025, 9, 10))
    default = f.application(st=f.service_type(period=None), received_at=f.utc(2025, 9, 10))
    assert seven.decision_due == date(2025, 9, 17)
    assert default.decision_due == date(2025, 9, 24)


def test_hijri_display_across_a_hijri_month_end(app):
    # 1447-03-23 AH = 2025-09-15 (the board approval date in one policy).
    assert dual_date(date(2025, 9, 15)) == "2025-09-15 (1447-03-23 هـ)"
    # Rabi' al-Awwal 1447 ends on 2025-09-22 (Umm al-Qura); the next day is the 1st of Rabi' al-Thani.
    assert dual_date(date(2025, 9, 23)).endswith("(1447-04-01 هـ)")
    application = f.application(st=f.service_type(period=14), received_at=f.utc(2025, 9, 15))
    assert dual_date(application.decision_due) == "2025-09-29 (1447-04-07 هـ)"


def test_days_left_and_overdue(app, users):
    application = f.application(st=f.service_type(period=14), received_at=f.utc(2025, 1, 25))
    assert days_left(application, date(2025, 2, 1)) == 7
    assert days_left(application, date(2025, 2, 8)) == 0 and not is_overdue(application, date(2025, 2, 8))
    assert is_overdue(application, date(2025, 2, 9))
    decided = f.application(st=f.service_type(period=14), received_at=f.utc(2025, 1, 25))
    f.force_status(decided, Status.ACCEPTED)
    assert not is_overdue(decided, date(2025, 3, 1))
    assert overdue_count(date(2025, 2, 9)) == 1
    assert overdue_count(date(2025, 2, 8)) == 0
