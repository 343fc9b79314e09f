"""Which days a history covers, and the figures over its points: pure date arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

PERIODS = ("1w", "1m", "3m", "6m", "1y", "ytd", "all")
GRANULARITIES = ("DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "YEARLY")
# PostgreSQL date_trunc units of the rolled-up granularities (ISO weeks start on Monday).
BUCKETS = {"WEEKLY": "week", "MONTHLY": "month", "QUARTERLY": "quarter", "YEARLY": "year"}
_MONTHS = {"1m": 1, "3m": 3, "6m": 6, "1y": 12}
_CENT = Decimal("0.01")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier, or the month's last day when it has none (Mar 31 → Feb 28
    or 29)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def period_start(period: str, end: dt.date, earliest: dt.date | None) -> dt.date:
    """The first day of `period` ending on `end`; `all` starts at the earliest snapshot."""
    if period == "1w":
        return end - dt.timedelta(days=7)
    if period == "ytd":
        return dt.date(end.year, 1, 1)
    if period == "all":
        return min(earliest, end) if earliest is not None else end
    return months_before(end, _MONTHS[period])


@dataclass(frozen=True, slots=True)
class Figures:
    start: Decimal
    end: Decimal
    change: Decimal
    change_percent: Decimal
    high: Decimal
    low: Decimal
    average: Decimal


def figures(values: Sequence[Decimal]) -> Figures:
    """Start, end, change (and its percent of the start, two decimals; 0 from a start of 0),
    high, low and mean (to the cent) of net-worth values in date order; zeros for none."""
    if not values:
        zero = Decimal(0)
        return Figures(zero, zero, zero, zero, zero, zero, zero)
    start, end = values[0], values[-1]
    change = end - start
    percent = (change / abs(start) * 100).quantize(_CENT, ROUND_HALF_EVEN) if start else Decimal(0)
    average = (sum(values, Decimal(0)) / len(values)).quantize(_CENT, ROUND_HALF_EVEN)
    return Figures(start, end, change, percent, max(values), min(values), average)
