"""SQL of budgets. Every function runs in a tenant transaction, where RLS shows only the
current organization's rows; the explicit organization filters are the first line, RLS the
second."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.budgets.models import Budget, BudgetAlert
from server.platform.common.ids import new_id


async def add_budget(s: AsyncSession, **fields: Any) -> Budget:
    budget = Budget(id=new_id(), **fields)
    s.add(budget)
    await s.flush()
    await s.refresh(budget)
    return budget


async def replace_alerts(
    s: AsyncSession, budget: Budget, alerts: list[tuple[int, bool]]
) -> list[BudgetAlert]:
    await s.execute(delete(BudgetAlert).where(BudgetAlert.budget_id == budget.id))
    rows = [
        BudgetAlert(
            id=new_id(),
            organization_id=budget.organization_id,
            budget_id=budget.id,
            threshold=threshold,
            enabled=enabled,
        )
        for threshold, enabled in alerts
    ]
    s.add_all(rows)
    await s.flush()
    return sorted(rows, key=lambda a: a.threshold)


async def list_budgets(
    s: AsyncSession, organization_id: uuid.UUID, *, period: str | None
) -> list[Budget]:
    stmt = select(Budget).where(Budget.organization_id == organization_id)
    if period:
        stmt = stmt.where(Budget.period == period)
    stmt = stmt.order_by(Budget.created_at.desc(), Budget.id.desc())
    return list((await s.execute(stmt)).scalars())


async def get_budget(
    s: AsyncSession, organization_id: uuid.UUID, budget_id: uuid.UUID, *, lock: bool = False
) -> Budget | None:
    stmt = select(Budget).where(Budget.organization_id == organization_id, Budget.id == budget_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await s.execute(stmt)).scalar_one_or_none()


async def alerts_of(s: AsyncSession, budget_id: uuid.UUID) -> list[BudgetAlert]:
    stmt = (
        select(BudgetAlert)
        .where(BudgetAlert.budget_id == budget_id)
        .order_by(BudgetAlert.threshold)
    )
    return list((await s.execute(stmt)).scalars())


async def update_budget(s: AsyncSession, budget_id: uuid.UUID, **fields: Any) -> Budget:
    stmt = update(Budget).where(Budget.id == budget_id).values(**fields).returning(Budget)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one()


async def delete_budget(s: AsyncSession, organization_id: uuid.UUID, budget_id: uuid.UUID) -> bool:
    stmt = (
        delete(Budget)
        .where(Budget.organization_id == organization_id, Budget.id == budget_id)
        .returning(Budget.id)
    )
    return (await s.execute(stmt)).scalar_one_or_none() is not None
