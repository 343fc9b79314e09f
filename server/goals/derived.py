"""Everything a goal shows that is computed, not stored: one place, pure date and Decimal
arithmetic (tests/unit/goals holds it against an independent computation).

Rounding, all to the cent or the hundredth of a percent:
- percentComplete = current / target × 100, half up, within 0 … 100; 100 only once the target is
  reached (99.995 % of the way is shown as 99.99, never as done).
- daysRemaining = target date − today (UTC), never negative.
- monthlyNeeded = (target − current) / months left, rounded up: paying it every month reaches
  the target by the date. Months left count a started month whole: the fewest n ≥ 1 with
  today + n months (the month's last day when it has no such day: Jan 31 + 1 month is Feb 28
  or 29) on or after the target date. 0 once reached; the whole remainder once the date has
  passed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ALMOST = Decimal("99.99")


@dataclass(frozen=True, slots=True)
class Derived:
    percent_complete: Decimal
    days_remaining: int
    monthly_needed: Decimal


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day when it has none."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def months_left(today: dt.date, target_date: dt.date) -> int:
    """Months to save in: at least 1 (a target date of today still has this month)."""
    months = (target_date.year - today.year) * 12 + target_date.month - today.month
    if add_months(today, months) < target_date:
        months += 1
    return max(months, 1)


def reached(current: Decimal, target: Decimal) -> bool:
    """The one completion rule, for goals and milestones alike."""
    return current >= target


def percent(current: Decimal, target: Decimal) -> Decimal:
    if reached(current, target):
        return _HUNDRED.quantize(CENT)
    if current <= 0:
        return Decimal(0).quantize(CENT)
    return min((current / target * _HUNDRED).quantize(CENT, ROUND_HALF_UP), _ALMOST)


def derive(*, target: Decimal, current: Decimal, target_date: dt.date, today: dt.date) -> Derived:
    days = max((target_date - today).days, 0)
    remaining = max(target - current, Decimal(0))
    if remaining == 0:
        needed = Decimal(0)
    elif target_date < today:
        needed = remaining
    else:
        needed = remaining / months_left(today, target_date)
    return Derived(percent(current, target), days, needed.quantize(CENT, ROUND_UP))


def status_after(
    status: str, *, current: Decimal, target: Decimal, requested: str | None = None
) -> str:
    """A goal's status once its amount is observed: COMPLETED when the amount reaches the target,
    and it stays so when the amount dips later; ABANDONED only when the user says so, and until
    the user takes the goal up again (IN_PROGRESS, which also reopens a completed goal whose
    target was raised)."""
    if requested == "ABANDONED" or (requested is None and status == "ABANDONED"):
        return "ABANDONED"
    if reached(current, target) or (requested is None and status == "COMPLETED"):
        return "COMPLETED"
    return "IN_PROGRESS"


def default_milestones(target: Decimal) -> list[tuple[str, Decimal]]:
    """Quarter steps of the target: 25, 50, 75 and 100 %, titled as people say them."""
    steps = [(target * k / 4).quantize(CENT, ROUND_HALF_UP) for k in (1, 2, 3, 4)]
    return [(milestone_title(amount), amount) for amount in steps]


def milestone_title(amount: Decimal) -> str:
    """`Save $10,000`, or `Save $7,500.50` when there are cents."""
    whole = amount == amount.to_integral_value()
    return f"Save ${amount:,.0f}" if whole else f"Save ${amount:,.2f}"


@dataclass(frozen=True, slots=True)
class Point:
    day: dt.date
    amount: Decimal
    contribution: Decimal


def progress(observations: list[tuple[dt.date, Decimal]]) -> list[Point]:
    """One point per month (its last observation, oldest first) with the change since the month
    before; the first month's contribution is its whole amount."""
    points, previous = [], Decimal(0)
    for day, amount in sorted(observations):
        points.append(Point(day, amount, amount - previous))
        previous = amount
    return points


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)
