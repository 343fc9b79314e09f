"""Asset accounts of the call's organization: the use cases behind NetWorthService."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from server.networth import balance, history
from server.networth import repository as repo
from server.networth.models import AssetAccount, Snapshot
from server.plans import limits
from server.plans.resources import ASSET_ACCOUNTS
from server.platform.common.ids import parse_id
from server.platform.common.pagination import PageRequest, page_request
from server.platform.common.validation import Violations, parse_date
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.errors import NotFound
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.rates import RatesClient

ACCOUNT_NOT_FOUND = "Asset account not found"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class NewAssetAccount:
    name: str
    type: str
    balance: float
    currency: str
    description: str
    original_value: float | None
    purchase_date: str
    appreciation_rate: float | None
    street: str
    city: str
    state: str
    country: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class AssetChange:
    name: str | None = None
    balance: float | None = None
    appreciation_rate: float | None = None
    description: str | None = None
    original_value: float | None = None


@dataclass(frozen=True, slots=True)
class AssetPage:
    rows: Sequence[AssetAccount]
    page: PageRequest
    total: int


@dataclass(frozen=True, slots=True)
class Gain:
    amount: Decimal
    percent: Decimal | None  # None when the original value is 0


def money(value: float) -> Decimal:
    """A JSON number as money: to the cent, never through binary float arithmetic."""
    return Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def gain(current: Decimal, original: Decimal | None) -> Gain | None:
    """currentValue − originalValue and its percent of the original, two decimals; None
    without an original value (a percent of 0 is no number either)."""
    if original is None:
        return None
    amount = current - original
    percent = None
    if original:
        percent = (amount / original * 100).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    return Gain(amount, percent)


def one_line_address(row: AssetAccount) -> str | None:
    """`123 Main Street, San Francisco, CA 94105` from the parts present (the document's form
    leaves the country out)."""
    region = " ".join(p for p in (row.state, row.postal_code) if p)
    parts = [p for p in (row.street, row.city, region) if p]
    return ", ".join(parts) or None


def _account_id(raw: str) -> Any:
    parsed = parse_id(raw)
    if parsed is None:
        raise NotFound(ACCOUNT_NOT_FOUND)
    return parsed


def _text(value: str) -> str | None:
    return value.strip() or None


@dataclass(frozen=True, slots=True)
class HistoryView:
    period: str
    granularity: str
    start: dt.date
    end: dt.date
    points: Sequence[Snapshot]
    figures: history.Figures


@dataclass(frozen=True, slots=True)
class SnapshotPage:
    granularity: str
    rows: Sequence[Snapshot]
    page: PageRequest
    total: int


def _range(start_date: str, end_date: str) -> tuple[dt.date | None, dt.date | None]:
    start, end = parse_date(start_date), parse_date(end_date)
    if start and end and end < start:
        v = Violations()
        v.add("endDate", "must not be before startDate")
        v.raise_if_any()
    return start, end


@dataclass(frozen=True, slots=True)
class Performance:
    period: str
    start: Decimal
    end: Decimal
    change: Decimal
    change_percent: Decimal
    categories: dict[str, tuple[Decimal, Decimal]]  # crypto, banking, real_estate: (change, %)


@dataclass(frozen=True, slots=True)
class SummaryView:
    sheet: balance.BalanceSheet
    as_of: dt.datetime
    performance: Performance


def _banking(figures: dict[str, Decimal]) -> Decimal:
    return figures["cash"] - figures["credit_cards"] - figures["loans"] - figures["mortgages"]


def _parts(figures: dict[str, Decimal]) -> dict[str, Decimal]:
    return {
        "crypto": figures["crypto"],
        "banking": _banking(figures),
        "real_estate": figures["real_estate"],
    }


def _percent(change: Decimal, of: Decimal) -> Decimal:
    return (change / abs(of) * 100).quantize(_CENT, ROUND_HALF_EVEN) if of else Decimal(0)


def performance(period: str, now: balance.BalanceSheet, start: Snapshot | None) -> Performance:
    """Now against the snapshot at the period's start (now itself when there is none)."""
    if start is None:
        start_net, start_parts = now.net_worth, _parts(now.figures)
    else:
        figures = {c: getattr(start, c) for c in (*balance.ASSETS, *balance.LIABILITIES)}
        start_net, start_parts = start.total_net_worth, _parts(figures)
    change = now.net_worth - start_net
    parts = {
        name: (value - start_parts[name], _percent(value - start_parts[name], start_net))
        for name, value in _parts(now.figures).items()
    }
    return Performance(period, start_net, now.net_worth, change, _percent(change, start_net), parts)


class NetWorth:
    def __init__(self, db: Database, rates: RatesClient):
        self.db = db
        self.rates = rates

    async def summary(self, *, period: str) -> SummaryView:
        period = period or "1m"
        now = dt.datetime.now(dt.UTC)
        org = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            sheet = await balance.compute(s, org, now.date(), self.rates)
            # The day's first read stores its snapshot; the daily job replaces it at night.
            await repo.save_snapshot(s, org, sheet, replace=False)
            earliest = await repo.earliest_snapshot(s, org) if period == "all" else None
            start_day = history.period_start(period, now.date(), earliest)
            start = await repo.snapshot_at(s, org, start_day)
        return SummaryView(sheet, now, performance(period, sheet, start))

    async def create(self, data: NewAssetAccount) -> AssetAccount:
        t = tenant()
        async with UnitOfWork(self.db) as work:
            s = work.session
            await limits.ensure_within_limit(
                s, organization_id=t.organization_id, plan_code=t.plan, resource=ASSET_ACCOUNTS.name
            )
            row = AssetAccount(
                organization_id=t.organization_id,
                created_by=principal().user_id,
                name=data.name.strip(),
                type=data.type,
                balance=money(data.balance),
                currency=data.currency or "USD",
                description=_text(data.description),
                original_value=None if data.original_value is None else money(data.original_value),
                purchase_date=parse_date(data.purchase_date),
                appreciation_rate=None
                if data.appreciation_rate is None
                else Decimal(repr(data.appreciation_rate)),
                street=_text(data.street),
                city=_text(data.city),
                state=_text(data.state),
                country=_text(data.country),
                postal_code=_text(data.postal_code),
            )
            s.add(row)
            await s.flush()
            await s.refresh(row)
            work.audit(target_id=row.id)
        return row

    async def listing(self, *, type: str, page: int | None, limit: int | None) -> AssetPage:
        pg = page_request(page, limit)
        async with tenant_transaction(self.db) as s:
            rows, total = await repo.accounts(
                s, tenant().organization_id, type=type or None, page=pg
            )
        return AssetPage(rows, pg, total)

    async def update(self, raw_id: str, change: AssetChange) -> AssetAccount:
        values: dict[str, Any] = {}
        if change.name is not None:
            values["name"] = change.name.strip()
        if change.balance is not None:
            values["balance"] = money(change.balance)
        if change.appreciation_rate is not None:
            values["appreciation_rate"] = Decimal(repr(change.appreciation_rate))
        if change.description is not None:
            values["description"] = _text(change.description)
        if change.original_value is not None:
            values["original_value"] = money(change.original_value)
        async with UnitOfWork(self.db) as work:
            row = await repo.account(work.session, tenant().organization_id, _account_id(raw_id))
            if row is None:
                raise NotFound(ACCOUNT_NOT_FOUND)
            await repo.update_account(
                work.session, row, **values, updated_at=dt.datetime.now(dt.UTC)
            )
            work.audit(changes={"fields": sorted(values)})
        return row

    async def delete(self, raw_id: str) -> None:
        async with UnitOfWork(self.db) as work:
            if not await repo.delete_account(
                work.session, tenant().organization_id, _account_id(raw_id)
            ):
                raise NotFound(ACCOUNT_NOT_FOUND)

    async def history(
        self, *, period: str, granularity: str, start_date: str, end_date: str
    ) -> HistoryView:
        period = period or "1m"
        granularity = (granularity or "DAILY").upper()
        start, end = _range(start_date, end_date)
        end = end or dt.datetime.now(dt.UTC).date()
        org = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            if start is None:
                earliest = await repo.earliest_snapshot(s, org) if period == "all" else None
                start = history.period_start(period, end, earliest)
            points = await repo.history(s, org, granularity, start, end)
        values = [p.total_net_worth for p in points]
        return HistoryView(period, granularity, start, end, points, history.figures(values))

    async def snapshots(
        self,
        *,
        granularity: str,
        start_date: str,
        end_date: str,
        page: int | None,
        limit: int | None,
    ) -> SnapshotPage:
        granularity = (granularity or "DAILY").upper()
        start, end = _range(start_date, end_date)
        pg = page_request(page, limit)
        async with tenant_transaction(self.db) as s:
            rows, total = await repo.snapshots(
                s, tenant().organization_id, granularity, start, end, pg
            )
        return SnapshotPage(granularity, rows, pg, total)
