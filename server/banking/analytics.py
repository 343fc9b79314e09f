"""Spending by category (seed 004 "Get Spending Analytics"): periods, figures, insights.

A period is whole UTC days, both ends included: `last_N_days` is the N days ending today,
`ytd` runs from 1 January, `custom` is the caller's startDate..endDate. Each category is
compared with the period of the same length just before it. The sums come from SQL
(server/banking/repository.py); this module only shapes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from server.platform.common.validation import Violations, parse_date_or_time

PERIODS = ("last_7_days", "last_30_days", "last_90_days", "ytd", "custom")
DEFAULT_PERIOD = "last_30_days"
_DAYS = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}
MAX_CUSTOM_DAYS = 3660
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Period:
    name: str
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    @property
    def previous_start(self) -> dt.datetime:
        return self.start - dt.timedelta(days=self.days)


def _day(raw: str) -> dt.date | None:
    value = parse_date_or_time(raw)
    return value.date() if isinstance(value, dt.datetime) else value


def period(v: Violations, name: str, start_date: str, end_date: str, today: dt.date) -> Period:
    """The period asked for; violations are added to `v` (the caller raises)."""
    name = name.lower() or DEFAULT_PERIOD
    if name == "custom":
        first, last = _day(start_date), _day(end_date)
        if not start_date:
            v.add("startDate", "is required for the custom period")
        if not end_date:
            v.add("endDate", "is required for the custom period")
        if first is None or last is None:
            return Period(name, today, today)
        if last < first:
            v.add("endDate", "must not be before startDate")
        elif (last - first).days + 1 > MAX_CUSTOM_DAYS:
            v.add("endDate", f"must be at most {MAX_CUSTOM_DAYS} days after startDate")
        return Period(name, first, last)
    if start_date or end_date:
        v.add("period", "startDate and endDate are only taken with the custom period")
    if name == "ytd":
        return Period(name, today.replace(month=1, day=1), today)
    return Period(name, today - dt.timedelta(days=_DAYS[name] - 1), today)


@dataclass(frozen=True, slots=True)
class Merchant:
    name: str
    amount: Decimal
    count: int


@dataclass(slots=True)
class CategoryFigures:
    category: str
    total: Decimal
    count: int
    previous: Decimal
    percent_of_total: Decimal = Decimal(0)
    merchants: list[Merchant] = field(default_factory=list)

    @property
    def change(self) -> Decimal:
        return self.total - self.previous

    @property
    def change_percent(self) -> Decimal:
        if self.previous > 0:
            return _round(self.change / self.previous * 100)
        return Decimal(100) if self.total > 0 else Decimal(0)

    @property
    def trend(self) -> str:
        return "up" if self.change > 0 else "down" if self.change < 0 else "flat"


@dataclass(frozen=True, slots=True)
class Spending:
    period: Period
    total: Decimal
    previous_total: Decimal
    categories: list[CategoryFigures]
    insights: list[str]


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def ranked(
    rows: list[tuple[str, Decimal, int, Decimal]], limit: int
) -> tuple[Decimal, Decimal, list[CategoryFigures]]:
    """(total spent, total spent before, the top `limit` categories of the period).

    Rows are (category, spent, count, spent in the previous period). Categories spent in only
    the previous period count toward its total but are not listed."""
    total = sum((r[1] for r in rows), Decimal(0))
    previous_total = sum((r[3] for r in rows), Decimal(0))
    figures = [
        CategoryFigures(category=c, total=spent, count=count, previous=prev)
        for c, spent, count, prev in rows
        if count > 0
    ]
    figures.sort(key=lambda f: (-f.total, f.category))
    top = figures[:limit]
    for f in top:
        f.percent_of_total = _round(f.total / total * 100) if total > 0 else Decimal(0)
    return total, previous_total, top


def insights(
    p: Period, total: Decimal, previous_total: Decimal, top: list[CategoryFigures]
) -> list[str]:
    """A few plain sentences: the largest category, the largest moves, the overall trend."""
    out: list[str] = []
    if not top:
        return ["No spending in this period"]
    against = f"vs the previous {p.days} days"
    out.append(f"{top[0].category} category has highest spending")
    moves = [f for f in top if f.previous > 0 and abs(f.change_percent) >= 10]
    rising = max(moves, key=lambda f: f.change_percent, default=None)
    falling = min(moves, key=lambda f: f.change_percent, default=None)
    if rising is not None and rising.change_percent > 0:
        out.append(f"{rising.category} spending is up {rising.change_percent:.0f}% {against}")
    if falling is not None and falling.change_percent < 0:
        out.append(f"{falling.category} spending is down {-falling.change_percent:.0f}% {against}")
    if previous_total > 0:
        change = _round((total - previous_total) / previous_total * 100)
        if change != 0:
            word = "up" if change > 0 else "down"
            out.append(f"Total spending is {word} {abs(change):.0f}% {against}")
    return out
