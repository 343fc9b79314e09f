"""A goal's computed figures (server/goals/derived.py) against an independent computation:
months by dateutil's relativedelta, money and percents by exact fractions with their rounding
spelled out, on dates around month ends, leap days and year ends."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta

from server.goals.derived import (
    default_milestones,
    derive,
    milestone_title,
    months_left,
    percent,
    progress,
    status_after,
)

D = dt.date


def expected_months(today: dt.date, target: dt.date) -> int:
    n = 1
    while today + relativedelta(months=n) < target:
        n += 1
    return n


def expected_percent(current: str, target: str) -> Decimal:
    c, t = Fraction(current), Fraction(target)
    if c >= t:
        return Decimal("100.00")
    if c <= 0:
        return Decimal("0.00")
    hundredths = math.floor(c / t * 10000 + Fraction(1, 2))  # half up
    return Decimal(min(hundredths, 9999)) / 100


def expected_monthly(current: str, target: str, today: dt.date, target_date: dt.date) -> Decimal:
    remaining = max(Fraction(target) - Fraction(current), Fraction(0))
    if remaining == 0:
        return Decimal("0.00")
    if target_date >= today:
        remaining /= expected_months(today, target_date)
    return Decimal(math.ceil(remaining * 100)) / 100  # rounded up to the cent


@pytest.mark.parametrize(
    ("today", "target", "months"),
    [
        (D(2025, 1, 21), D(2026, 1, 21), 12),
        (D(2027, 1, 31), D(2027, 2, 28), 1),  # Jan 31 + 1 month is Feb 28
        (D(2027, 1, 31), D(2027, 3, 1), 2),
        (D(2028, 1, 31), D(2028, 2, 29), 1),  # leap year: Feb 29
        (D(2028, 1, 31), D(2028, 2, 28), 1),
        (D(2028, 2, 29), D(2028, 3, 29), 1),
        (D(2028, 2, 29), D(2029, 2, 28), 12),  # a year after a leap day
        (D(2028, 2, 29), D(2029, 3, 1), 13),
        (D(2026, 12, 31), D(2027, 1, 1), 1),
        (D(2026, 12, 31), D(2027, 12, 31), 12),
        (D(2026, 3, 31), D(2026, 4, 30), 1),
        (D(2026, 3, 31), D(2026, 5, 1), 2),
        (D(2026, 6, 15), D(2026, 6, 15), 1),  # today: this month is left
    ],
)
def test_months_left_around_month_ends(today, target, months):
    assert months_left(today, target) == months == expected_months(today, target)


def test_months_left_agrees_with_relativedelta_over_two_years_of_days():
    start = D(2027, 12, 25)
    targets = [D(2028, 1, 31), D(2028, 2, 28), D(2028, 2, 29), D(2028, 3, 31), D(2028, 12, 31)]
    for offset in range(0, 400, 3):
        today = start + dt.timedelta(days=offset)
        for target in targets:
            if target >= today:
                assert months_left(today, target) == expected_months(today, target), (today, target)


@pytest.mark.parametrize(
    ("current", "target", "today", "target_date"),
    [
        ("5000", "30000", D(2025, 1, 21), D(2026, 1, 21)),  # the documented example's amounts
        ("5000", "35000", D(2025, 1, 21), D(2026, 6, 21)),
        ("0", "1000", D(2027, 1, 31), D(2027, 2, 28)),
        ("0", "1000", D(2028, 1, 31), D(2028, 2, 29)),
        ("100.01", "1000", D(2028, 2, 29), D(2028, 12, 31)),
        ("999.99", "1000", D(2026, 12, 31), D(2027, 1, 1)),
        ("29999.99", "30000", D(2026, 5, 1), D(2027, 5, 1)),  # 99.99997 %: not done yet
        ("1000", "1000", D(2026, 5, 1), D(2027, 5, 1)),  # reached: nothing more needed
        ("1500", "1000", D(2026, 5, 1), D(2027, 5, 1)),
        ("250", "1000", D(2026, 5, 1), D(2026, 5, 1)),  # target date today
        ("250", "1000", D(2026, 5, 2), D(2026, 5, 1)),  # passed: all of the remainder now
        ("250", "1000", D(2030, 1, 1), D(2026, 5, 1)),
        ("-50", "1000", D(2026, 5, 1), D(2026, 8, 1)),  # an overdrawn account
        ("0.01", "999999999999.99", D(2026, 1, 1), D(2999, 12, 31)),
        ("333.33", "1000", D(2026, 1, 1), D(2026, 4, 1)),
    ],
)
def test_every_derived_field(current, target, today, target_date):
    got = derive(
        target=Decimal(target), current=Decimal(current), target_date=target_date, today=today
    )
    assert got.percent_complete == expected_percent(current, target)
    assert got.days_remaining == max((target_date - today).days, 0)
    assert got.monthly_needed == expected_monthly(current, target, today, target_date)
    assert got.days_remaining >= 0 and got.monthly_needed >= 0


def test_the_documented_example():
    got = derive(
        target=Decimal(30000),
        current=Decimal(5000),
        target_date=D(2026, 1, 21),
        today=D(2025, 1, 21),
    )
    assert (got.percent_complete, got.days_remaining) == (Decimal("16.67"), 365)
    assert got.monthly_needed == Decimal("2083.34")  # 25,000 / 12, rounded up
    assert percent(Decimal(5000), Decimal(35000)) == Decimal("14.29")
    assert percent(Decimal(5000), Decimal(10000)) == Decimal("50.00")


def test_leap_day_target_from_new_years_eve():
    got = derive(
        target=Decimal(1200), current=Decimal(0), target_date=D(2028, 2, 29), today=D(2027, 12, 31)
    )
    # Dec 31 → Jan 31 → Feb 29 (clamped): two months, 60 days.
    assert (got.days_remaining, got.monthly_needed) == (60, Decimal("600.00"))


@pytest.mark.parametrize(
    ("status", "current", "requested", "after"),
    [
        ("IN_PROGRESS", "999.99", None, "IN_PROGRESS"),
        ("IN_PROGRESS", "1000", None, "COMPLETED"),
        ("COMPLETED", "10", None, "COMPLETED"),  # a later dip keeps it completed
        ("ABANDONED", "5000", None, "ABANDONED"),  # only the user changes an abandoned goal
        ("IN_PROGRESS", "10", "ABANDONED", "ABANDONED"),
        ("COMPLETED", "5000", "ABANDONED", "ABANDONED"),
        ("ABANDONED", "10", "IN_PROGRESS", "IN_PROGRESS"),
        ("ABANDONED", "1000", "IN_PROGRESS", "COMPLETED"),
        ("COMPLETED", "10", "IN_PROGRESS", "IN_PROGRESS"),  # reopened after a raised target
    ],
)
def test_completion_rule(status, current, requested, after):
    got = status_after(status, current=Decimal(current), target=Decimal(1000), requested=requested)
    assert got == after


def test_default_milestones_are_quarter_steps():
    assert default_milestones(Decimal(30000)) == [
        ("Save $7,500", Decimal("7500.00")),
        ("Save $15,000", Decimal("15000.00")),
        ("Save $22,500", Decimal("22500.00")),
        ("Save $30,000", Decimal("30000.00")),
    ]
    steps = [amount for _, amount in default_milestones(Decimal("1000.01"))]
    assert steps == [Decimal("250.00"), Decimal("500.01"), Decimal("750.01"), Decimal("1000.01")]
    assert milestone_title(Decimal("10000.00")) == "Save $10,000"
    assert milestone_title(Decimal("7500.5")) == "Save $7,500.50"


def test_progress_has_the_months_contribution():
    points = progress(
        [(D(2026, 3, 31), Decimal(900)), (D(2026, 1, 31), Decimal(500)), (D(2026, 2, 28), 400)]
    )
    assert [(p.day, p.amount, p.contribution) for p in points] == [
        (D(2026, 1, 31), 500, 500),
        (D(2026, 2, 28), 400, -100),
        (D(2026, 3, 31), 900, 500),
    ]
    assert progress([]) == []
