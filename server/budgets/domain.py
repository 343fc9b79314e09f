"""Budget use cases, in the organization the tenant interceptor resolved."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.repository import account_exists
from server.budgets import repository as repo
from server.budgets.models import PERIODS, Budget
from server.budgets.progress import (
    AlertState,
    Progress,
    Spend,
    alert_states,
    current_period,
    first_period_end,
    progress,
)
from server.budgets.spending import spends_for
from server.plans import limits
from server.plans.resources import BUDGETS
from server.platform.common.ids import parse_id
from server.platform.common.pagination import PageRequest, page_request
from server.platform.common.validation import Violations, parse_date
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.errors import NotFound
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork

STATUSES = ("ON_TRACK", "AT_RISK", "EXCEEDED")


@dataclass(frozen=True, slots=True)
class AlertInput:
    threshold: int
    enabled: bool


@dataclass(frozen=True, slots=True)
class NewBudget:
    name: str
    amount: float
    period: str
    # seed 004's organization example says `cycle` for `period`
    cycle: str
    source_type: str
    source_id: str
    alerts: list[AlertInput]
    start_date: str
    end_date: str
    rollover_enabled: bool


@dataclass(frozen=True, slots=True)
class BudgetChange:
    name: str | None
    amount: float | None
    alerts: list[AlertInput]
    rollover_enabled: bool | None


@dataclass(frozen=True, slots=True)
class View:
    """A budget with everything computed for its current period."""

    budget: Budget
    period_start: dt.date
    period_end: dt.date
    progress: Progress
    alerts: list[tuple[uuid.UUID, AlertState]]
    spends: list[Spend]


@dataclass(frozen=True, slots=True)
class Listing:
    items: list[View]
    page: PageRequest
    total: int
    summary: dict[str, Decimal | int]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _amount(v: Violations, field: str, value: float) -> Decimal:
    """The declared rule bounds the amount (above 0, at most 999,999,999,999.99); cents are
    the finest unit money has here."""
    amount = Decimal(str(value))
    if amount != amount.quantize(Decimal("0.01")):
        v.add(field, "must have at most two decimals")
    return amount


def _alerts(v: Violations, alerts: list[AlertInput]) -> list[tuple[int, bool]]:
    """The declared rules bound the count and each threshold; one budget's thresholds differ."""
    seen: set[int] = set()
    for i, a in enumerate(alerts):
        if a.threshold in seen:
            v.add(f"alerts[{i}].threshold", "must be unique within the budget")
        seen.add(a.threshold)
    return [(a.threshold, a.enabled) for a in alerts]


def _budget_id(raw: str) -> uuid.UUID:
    """An id from the path; one that is no UUID names nothing that exists."""
    found = parse_id(raw)
    if found is None:
        raise NotFound("Budget not found")
    return found


class Budgets:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, data: NewBudget) -> View:
        v = Violations()
        name = data.name.strip()
        amount = _amount(v, "amount", data.amount)
        period = (data.period or data.cycle).upper()
        if data.period and data.cycle and data.cycle.upper() != period:
            v.add("cycle", "must match period when both are given")
        if not period:
            v.add("period", f"must be one of {', '.join(PERIODS)}")
        source_type = (data.source_type or "ALL").upper()
        source_id = data.source_id.strip() or None
        if source_type != "ALL" and source_id is None:
            v.add("sourceId", f"is required for sourceType {source_type}")
        account_id = None
        if source_type == "ACCOUNT" and source_id is not None:
            account_id = parse_id(source_id)
            if account_id is None:
                v.add("sourceId", "must be an account id (UUID) for sourceType ACCOUNT")
            else:
                source_id = str(account_id)
        start = parse_date(data.start_date)
        end = parse_date(data.end_date)
        if period == "CUSTOM":
            if start is None:
                v.add("startDate", "is required for a CUSTOM period")
            if end is None:
                v.add("endDate", "is required for a CUSTOM period")
        elif end is not None:
            v.add("endDate", "is derived from the period; give it only for CUSTOM")
        if start and end and end < start:
            v.add("endDate", "must not be before startDate")
        alerts = _alerts(v, data.alerts)
        v.raise_if_any()
        start = start or _today()
        if period != "CUSTOM":
            end = first_period_end(period, start)
        assert end is not None
        t = tenant()
        async with UnitOfWork(self.db) as work:
            s = work.session
            await limits.ensure_within_limit(
                s, organization_id=t.organization_id, plan_code=t.plan, resource=BUDGETS.name
            )
            # Another organization's account is as unknown as one that never existed.
            if account_id is not None and not await account_exists(
                s, t.organization_id, account_id
            ):
                raise NotFound("Account not found")
            budget = await repo.add_budget(
                s,
                organization_id=t.organization_id,
                created_by=principal().user_id,
                name=name,
                amount=amount,
                period=period,
                source_type=source_type,
                source_id=None if source_type == "ALL" else source_id,
                start_date=start,
                end_date=end,
                rollover_enabled=data.rollover_enabled,
            )
            await repo.replace_alerts(s, budget, alerts)
            work.audit(target_id=budget.id)
            return (await self._views(s, [budget], with_alerts=True))[0]

    async def listing(
        self, *, period: str, status: str, page: int | None, limit: int | None
    ) -> Listing:
        period, status = period.upper(), status.upper()
        pg = page_request(page, limit)
        async with tenant_transaction(self.db) as s:
            budgets = await repo.list_budgets(s, tenant().organization_id, period=period or None)
            # Status is computed from spending, so the filter applies after the computation;
            # an organization's budgets are few (the plan caps them).
            views = await self._views(s, budgets, with_alerts=False)
        matched = [w for w in views if not status or w.progress.status == status]
        summary: dict[str, Decimal | int] = {
            "total_budgets": len(matched),
            "on_track": sum(1 for w in matched if w.progress.status == "ON_TRACK"),
            "at_risk": sum(1 for w in matched if w.progress.status == "AT_RISK"),
            "exceeded": sum(1 for w in matched if w.progress.status == "EXCEEDED"),
            "total_budgeted": sum((w.budget.amount for w in matched), Decimal(0)),
            "total_spent": sum((w.progress.spent for w in matched), Decimal(0)),
        }
        items = matched[pg.offset : pg.offset + pg.limit]
        return Listing(items=items, page=pg, total=len(matched), summary=summary)

    async def get(self, budget_id: str) -> View:
        bid = _budget_id(budget_id)
        async with tenant_transaction(self.db) as s:
            budget = await repo.get_budget(s, tenant().organization_id, bid)
            if budget is None:
                raise NotFound("Budget not found")
            return (await self._views(s, [budget], with_alerts=True))[0]

    async def update(self, budget_id: str, change: BudgetChange) -> View:
        bid = _budget_id(budget_id)
        v = Violations()
        fields: dict[str, object] = {}
        if change.name is not None:
            fields["name"] = change.name.strip()
        if change.amount is not None:
            fields["amount"] = _amount(v, "amount", change.amount)
        if change.rollover_enabled is not None:
            fields["rollover_enabled"] = change.rollover_enabled
        alerts = _alerts(v, change.alerts)
        v.raise_if_any()
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            budget = await repo.get_budget(s, org_id, bid, lock=True)
            if budget is None:
                raise NotFound("Budget not found")
            if fields:
                budget = await repo.update_budget(s, bid, **fields)
            if alerts:
                await repo.replace_alerts(s, budget, alerts)
            if not fields and not alerts:
                budget = await repo.update_budget(s, bid)  # touch: updatedAt says "now"
            work.audit(target_id=bid, changes={k: str(val) for k, val in fields.items()} or None)
            return (await self._views(s, [budget], with_alerts=False))[0]

    async def delete(self, budget_id: str) -> None:
        bid = _budget_id(budget_id)
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            if not await repo.delete_budget(work.session, org_id, bid):
                raise NotFound("Budget not found")
            work.audit(target_id=bid)

    async def _views(
        self, s: AsyncSession, budgets: list[Budget], *, with_alerts: bool
    ) -> list[View]:
        today = _today()
        periods = {b.id: current_period(b.period, b.start_date, b.end_date, today) for b in budgets}
        spends = await spends_for(s, budgets, periods)
        views = []
        for b in budgets:
            mine = spends.get(b.id, [])
            alerts: list[tuple[uuid.UUID, AlertState]] = []
            if with_alerts:
                rows = await repo.alerts_of(s, b.id)
                states = alert_states(b.amount, [(a.threshold, a.enabled) for a in rows], mine)
                alerts = [(a.id, st) for a, st in zip(rows, states, strict=True)]
            lo, hi = periods[b.id]
            views.append(View(b, lo, hi, progress(b.amount, mine), alerts, mine))
        return views
