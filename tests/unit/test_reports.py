"""Report numbers against hand-computed fixtures (Asia/Riyadh, UTC+3, no daylight saving)."""
from datetime import date

import pytest

from extensions import db
from models.application import Status
from tests.report_fixtures import channel, decide, person, refer, request, service, utc
from workflow.applications import record_transition
from workflow.reports import (ReportFilter, decision_time, months_between, outcomes, percentile, referrals,
                              requests_per_month)

R1 = "الدخل أعلى من الحد"
R2 = "مستندات ناقصة"


@pytest.fixture
def data(app, users):
    web, phone = channel("web", "الموقع"), channel("phone", "الهاتف")
    food, cash = service("سلة غذائية"), service("مساعدة مالية")
    north, riyadh = person(), person(region="الرياض")
    apps = {
        # 22:30 UTC on 31 January is 01:30 on 1 February in Riyadh: a February request.
        "A1": request(north, food, web, utc(2025, 1, 31, 22, 30)),
        # 20:00 UTC on 31 January is 23:00 the same day in Riyadh: January.
        "A2": request(north, food, phone, utc(2025, 1, 31, 20, 0)),
        # 21:00 UTC on 28 February is midnight of 1 March in Riyadh: March.
        "A3": request(north, cash, web, utc(2025, 2, 28, 21, 0)),
        "A4": request(riyadh, cash, web, utc(2025, 2, 15, 10, 0)),
        "A5": request(north, food, None, utc(2025, 3, 10, 9, 0)),
        "A6": request(north, food, phone, utc(2024, 12, 1, 9, 0)),
    }
    db.session.flush()
    # Local calendar days from receipt to decision: 3, 10, 20, 14.
    decide(apps["A1"], "accept", utc(2025, 2, 4, 20, 59))  # 4 Feb 23:59 local (4 days in UTC, 3 locally)
    decide(apps["A2"], "reject", utc(2025, 2, 10, 9, 0), R1)
    decide(apps["A3"], "reject", utc(2025, 3, 21, 9, 0), f"  {R1} ")  # late: due 15 March
    decide(apps["A4"], "reject", utc(2025, 3, 1, 20, 0), R2)  # 1 March 23:00 local: due day, in time
    record_transition(apps["A5"], "withdraw", Status.WITHDRAWN)
    refer(apps["A2"], users["specialist"], utc(2025, 2, 1, 0, 0), utc(2025, 2, 3, 12, 0))  # 2.5 days
    refer(apps["A3"], users["specialist"], utc(2025, 3, 2, 0, 0))  # not reported yet
    refer(apps["A4"], users["admin"], utc(2025, 2, 16, 0, 0), utc(2025, 2, 17, 12, 0))  # 1.5 days
    db.session.commit()
    return {"web": web, "phone": phone, "food": food, "cash": cash, **apps}


def q1(**kw):
    return ReportFilter(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31), **kw)


def test_months_follow_the_local_calendar(app):
    months = months_between(date(2025, 1, 15), date(2025, 3, 1))
    assert [m.label for m in months] == ["2025-01", "2025-02", "2025-03"]
    # Riyadh midnight of 1 February is 21:00 UTC on 31 January.
    assert months[1].start == utc(2025, 1, 31, 21, 0)
    assert months[1].end == utc(2025, 2, 28, 21, 0)


def test_requests_per_channel_per_month(data):
    report = requests_per_month(q1(), "channel")
    assert report["months"] == ["2025-01", "2025-02", "2025-03"]
    series = {s["name"]: s["counts"] for s in report["series"]}
    assert series == {"الموقع": [0, 2, 1], "الهاتف": [1, 0, 0], None: [0, 0, 1]}
    assert report["totals"] == [1, 2, 2]
    assert report["total"] == 5  # A6 (December 2024) is outside the range


def test_requests_per_service_type_per_month(data):
    report = requests_per_month(q1(), "service_type")
    series = {s["name"]: s["counts"] for s in report["series"]}
    assert series == {"سلة غذائية": [1, 1, 1], "مساعدة مالية": [0, 1, 1]}


def test_range_ends_at_local_midnight(data):
    january = requests_per_month(ReportFilter(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31)))
    assert january["total"] == 1  # A2 only: A1 is already February in Riyadh
    february = requests_per_month(ReportFilter(date_from=date(2025, 2, 1), date_to=date(2025, 2, 28)))
    assert february["months"] == ["2025-02"]
    assert february["total"] == 2  # A1 and A4; A3 is 1 March locally


def test_empty_range_has_months_and_zeros(data):
    report = requests_per_month(ReportFilter(date_from=date(2023, 1, 1), date_to=date(2023, 2, 28)))
    assert report["months"] == ["2023-01", "2023-02"]
    assert report["series"] == [] and report["totals"] == [0, 0] and report["total"] == 0
    empty = outcomes(ReportFilter(date_from=date(2023, 1, 1), date_to=date(2023, 2, 28)))
    assert empty["total"] == 0 and all(r["count"] == 0 and r["share"] is None for r in empty["rows"])
    times = decision_time(ReportFilter(date_from=date(2023, 1, 1), date_to=date(2023, 2, 28)), today=date(2025, 6, 1))
    assert times["decided"] == 0 and times["median_days"] is None and times["within_period_share"] is None
    assert referrals(ReportFilter(date_from=date(2023, 1, 1), date_to=date(2023, 1, 2)))["count"] == 0


def test_empty_database_without_dates(app):
    report = requests_per_month(ReportFilter())
    assert report == {"months": [], "series": [], "totals": [], "total": 0}


def test_all_time_covers_the_months_of_the_data(data):
    report = requests_per_month(ReportFilter(), "channel")
    assert report["months"] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert report["total"] == 6


def test_filters_by_service_channel_and_region(data):
    assert requests_per_month(q1(service_type_id=data["cash"].id))["total"] == 2
    assert requests_per_month(q1(channel_id=data["web"].id))["total"] == 3
    assert requests_per_month(q1(region="الرياض"))["total"] == 1
    assert requests_per_month(q1(region="مكة"))["total"] == 0


def test_decision_time(data):
    result = decision_time(ReportFilter(), today=date(2025, 6, 1))
    # Days 3, 10, 14, 20: median 12; nearest-rank 90th percentile is the 4th of 4 = 20.
    assert result["decided"] == 4
    assert result["median_days"] == 12
    assert result["p90_days"] == 20
    assert result["within_period"] == 3 and result["within_period_share"] == 75.0
    # A6 (received 1 Dec 2024, due 15 Dec) is still undecided; A5 was withdrawn.
    assert result["overdue_now"] == 1


def test_decision_time_counts_decisions_made_in_the_range(data):
    february = decision_time(ReportFilter(date_from=date(2025, 2, 1), date_to=date(2025, 2, 28)),
                             today=date(2025, 6, 1))
    assert february["decided"] == 2  # A1 (4 Feb) and A2 (10 Feb); A4 was decided 1 March locally
    assert february["median_days"] == 6.5


def test_outcomes_and_rejection_reasons(data):
    result = outcomes(ReportFilter())
    rows = {r["outcome"]: (r["count"], r["share"]) for r in result["rows"]}
    assert result["total"] == 6
    assert rows == {"accepted": (1, 16.7), "rejected": (3, 50.0), "withdrawn": (1, 16.7), "pending": (1, 16.7)}
    assert result["reasons"] == [{"reason": R1, "count": 2}, {"reason": R2, "count": 1}]


def test_referrals(data, users):
    result = referrals(ReportFilter())
    assert result["count"] == 3 and result["submitted"] == 2
    assert result["median_days"] == 2.0  # 1.5 and 2.5
    rows = {r["specialist"]: (r["count"], r["submitted"], r["median_days"]) for r in result["rows"]}
    assert rows == {users["specialist"].full_name: (2, 1, 2.5), users["admin"].full_name: (1, 1, 1.5)}
    assert referrals(ReportFilter(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)))["count"] == 1


def test_percentile_nearest_rank():
    assert percentile([], 90) is None
    assert percentile([5], 90) == 5
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 21)), 90) == 18


def test_filter_from_query_args():
    rf = ReportFilter.from_args({}, today=date(2025, 5, 20))
    assert (rf.date_from, rf.date_to) == (date(2024, 6, 1), date(2025, 5, 20))
    rf = ReportFilter.from_args({"date_from": "2025-03-01", "date_to": "2025-01-01", "service_type": "x",
                                 "channel": "3", "region": " الجوف "})
    assert (rf.date_from, rf.date_to, rf.service_type_id, rf.channel_id, rf.region) == (
        date(2025, 1, 1), date(2025, 3, 1), None, 3, "الجوف")
    assert ReportFilter.from_args({"date_from": "nonsense", "date_to": ""}).date_from is None


def test_outcome_counts_agree_with_each_requests_outcome(data):
    """The counts come from indexes and the decisions (not one CASE per request): they must say
    what outcome_expression() says request by request, also for a request decided twice and a
    withdrawn request that had a decision."""
    from sqlalchemy import func, select

    from models.application import Application
    from models.committee import Decision
    from tests.report_fixtures import committee_session
    from workflow.reports import outcome_expression

    twice = data["A4"]  # rejected, then accepted on appeal: accepted
    db.session.add(Decision(application=twice, session=committee_session(), outcome="accept", reason="",
                            recorded_at=utc(2025, 3, 5, 9, 0)))
    gone = data["A2"]  # rejected, then withdrawn: withdrawn
    gone.status = Status.WITHDRAWN
    db.session.commit()
    for rf in (ReportFilter(), q1(), ReportFilter(date_from=date(2025, 2, 1), date_to=date(2025, 2, 28))):
        inner = select(outcome_expression().label("outcome")).where(
            *rf.application_clauses(Application.received_at)).subquery()
        expected = dict(db.session.execute(select(inner.c.outcome, func.count()).group_by(inner.c.outcome)).all())
        counted = {r["outcome"]: r["count"] for r in outcomes(rf)["rows"] if r["count"]}
        assert counted == expected
    rows = {r["outcome"]: r["count"] for r in outcomes(ReportFilter(), top=0)["rows"]}
    assert rows == {"accepted": 2, "rejected": 1, "withdrawn": 2, "pending": 1}
