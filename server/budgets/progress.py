"""A budget's progress: one computation from the transactions of its current period.

Spending is whatever the organization's transactions say (server/budgets/spending.py); this
module only does arithmetic on it, in Decimal, and decides the status and which alerts fired.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

AT_RISK_PERCENT = Decimal(75)
_MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "YEARLY": 12}


@dataclass(frozen=True, slots=True)
class Spend:
    """One transaction counted against a budget."""

    id: str
    amount: Decimal
    description: str
    occurred_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AlertState:
    threshold: int
    enabled: bool
    triggered: bool
    triggered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Progress:
    spent: Decimal
    remaining: Decimal
    percent_used: Decimal
    status: str


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's length (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def first_period_end(period: str, start: dt.date) -> dt.date:
    """The last day of the first period: 21 Jan (monthly) → 20 Feb."""
    return add_months(start, _MONTHS[period]) - dt.timedelta(days=1)


def current_period(
    period: str, start: dt.date, end: dt.date, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The period containing today; the first one until it starts, the last for CUSTOM."""
    if period == "CUSTOM" or today <= end:
        return start, end
    months = _MONTHS[period]
    # Jump close, then step: periods are anchored on the first start day.
    elapsed = (today.year - start.year) * 12 + today.month - start.month
    n = max(0, elapsed // months - 1)
    while True:
        lo = add_months(start, n * months)
        hi = add_months(start, (n + 1) * months) - dt.timedelta(days=1)
        if lo <= today <= hi:
            return lo, hi
        n += 1


def progress(amount: Decimal, spends: list[Spend]) -> Progress:
    spent = sum((s.amount for s in spends), Decimal(0))
    percent = (spent / amount * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if spent > amount:
        status = "EXCEEDED"
    elif percent >= AT_RISK_PERCENT:
        status = "AT_RISK"
    else:
        status = "ON_TRACK"
    return Progress(spent=spent, remaining=amount - spent, percent_used=percent, status=status)


def alert_states(
    amount: Decimal, thresholds: list[tuple[int, bool]], spends: list[Spend]
) -> list[AlertState]:
    """Each alert, triggered when cumulative spending reached its share of the amount; the
    moment is that of the transaction that crossed it."""
    crossings: list[tuple[Decimal, dt.datetime]] = []
    running = Decimal(0)
    for s in sorted(spends, key=lambda s: s.occurred_at):
        running += s.amount
        crossings.append((running, s.occurred_at))
    states = []
    for threshold, enabled in sorted(thresholds):
        line = amount * threshold / 100
        at = next((when for total, when in crossings if total >= line), None)
        states.append(
            AlertState(threshold, enabled, enabled and at is not None, at if enabled else None)
        )
    return states
