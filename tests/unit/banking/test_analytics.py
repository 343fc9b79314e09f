"""Spending periods, shares, changes and insights, from sums as SQL returns them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server.banking.analytics import Period, insights, period, ranked
from server.platform.common.validation import Violations

TODAY = dt.date(2025, 3, 15)


def ask(name: str, start: str = "", end: str = "") -> tuple[Period, list[str]]:
    v = Violations()
    p = period(v, name, start, end, TODAY)
    return p, [x.field for x in v.items]


@pytest.mark.parametrize(
    ("name", "first", "days"),
    [
        ("", dt.date(2025, 2, 14), 30),
        ("last_7_days", dt.date(2025, 3, 9), 7),
        ("LAST_30_DAYS", dt.date(2025, 2, 14), 30),
        ("last_90_days", dt.date(2024, 12, 16), 90),
        ("ytd", dt.date(2025, 1, 1), 74),
    ],
)
def test_rolling_periods_end_today(name, first, days):
    p, errors = ask(name)
    assert errors == []
    assert (p.first, p.last, p.days) == (first, TODAY, days)
    assert p.end == dt.datetime(2025, 3, 16, tzinfo=dt.UTC)
    assert p.previous_start == p.start - dt.timedelta(days=days)


def test_custom_period_and_the_one_before():
    p, errors = ask("custom", "2025-01-01", "2025-01-10")
    assert errors == [] and p.days == 10
    assert p.previous_start == dt.datetime(2024, 12, 22, tzinfo=dt.UTC)
    assert ask("custom", "2025-01-01T00:00:00Z", "2025-01-10T23:00:00Z")[0].days == 10


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("custom",), ["startDate", "endDate"]),
        (("custom", "2025-01-05", "2025-01-04"), ["endDate"]),
        (("custom", "2010-01-01", "2025-01-04"), ["endDate"]),
        (("ytd", "2025-01-01"), ["period"]),
    ],
)
def test_period_violations(args, expected):
    assert ask(*args)[1] == expected


def test_ranked_shares_changes_and_trends():
    rows = [
        ("Food", Decimal("30.00"), 3, Decimal("40.00")),
        ("Shopping", Decimal("60.00"), 2, Decimal("0")),
        ("Rent", Decimal("10.00"), 1, Decimal("10.00")),
        ("Travel", Decimal("0"), 0, Decimal("50.00")),  # only before: counted, not listed
    ]
    total, previous, top = ranked(rows, 10)
    assert (total, previous) == (Decimal("100.00"), Decimal("100.00"))
    assert [c.category for c in top] == ["Shopping", "Food", "Rent"]
    shop, food, rent = top
    assert (shop.percent_of_total, shop.change, shop.change_percent, shop.trend) == (
        Decimal("60.00"),
        Decimal("60.00"),
        Decimal(100),
        "up",
    )
    assert (food.change, food.change_percent, food.trend) == (
        Decimal("-10.00"),
        Decimal("-25.00"),
        "down",
    )
    assert (rent.change_percent, rent.trend) == (Decimal("0.00"), "flat")
    p = Period("custom", dt.date(2025, 1, 1), dt.date(2025, 1, 10))
    assert insights(p, total, previous, top) == [
        "Shopping category has highest spending",
        "Food spending is down 25% vs the previous 10 days",
    ]
    assert [c.category for c in ranked(rows, 1)[2]] == ["Shopping"]


def test_no_spending():
    total, previous, top = ranked([], 10)
    p = Period("last_7_days", TODAY, TODAY)
    assert (total, top) == (Decimal(0), [])
    assert insights(p, total, previous, top) == ["No spending in this period"]
