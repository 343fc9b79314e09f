"""SQL of the asset accounts; every statement names the organization (and RLS binds it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.networth.balance import BalanceSheet
from server.networth.history import BUCKETS
from server.networth.models import AssetAccount, Snapshot
from server.platform.common.pagination import PageRequest


async def account(
    s: AsyncSession, organization_id: uuid.UUID, account_id: uuid.UUID
) -> AssetAccount | None:
    stmt = select(AssetAccount).where(
        AssetAccount.organization_id == organization_id, AssetAccount.id == account_id
    )
    return (await s.execute(stmt.with_for_update())).scalar_one_or_none()


async def accounts(
    s: AsyncSession, organization_id: uuid.UUID, *, type: str | None, page: PageRequest
) -> tuple[Sequence[AssetAccount], int]:
    where = [AssetAccount.organization_id == organization_id]
    if type:
        where.append(AssetAccount.type == type)
    total = (
        await s.execute(select(func.count()).select_from(AssetAccount).where(*where))
    ).scalar_one()
    rows = (
        await s.execute(
            select(AssetAccount)
            .where(*where)
            .order_by(AssetAccount.created_at, AssetAccount.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).scalars()
    return list(rows), int(total)


async def update_account(s: AsyncSession, row: AssetAccount, **values: Any) -> None:
    await s.execute(update(AssetAccount).where(AssetAccount.id == row.id).values(**values))
    await s.refresh(row)


async def delete_account(
    s: AsyncSession, organization_id: uuid.UUID, account_id: uuid.UUID
) -> bool:
    stmt = (
        delete(AssetAccount)
        .where(AssetAccount.organization_id == organization_id, AssetAccount.id == account_id)
        .returning(AssetAccount.id)
    )
    return (await s.execute(stmt)).scalar_one_or_none() is not None


def _rolled_up(organization_id: uuid.UUID, granularity: str, start: Any, end: Any) -> Any:
    """The snapshots of [start, end] at a granularity: every day, or the last snapshot of each
    week, month, quarter or year (DISTINCT ON the bucket, latest day first)."""
    where = [Snapshot.organization_id == organization_id]
    if start is not None:
        where.append(Snapshot.snapshot_date >= start)
    if end is not None:
        where.append(Snapshot.snapshot_date <= end)
    unit = BUCKETS.get(granularity)
    if unit is None:
        return select(Snapshot).where(*where)
    bucket = func.date_trunc(unit, Snapshot.snapshot_date)
    return (
        select(Snapshot)
        .where(*where)
        .distinct(bucket)
        .order_by(bucket, Snapshot.snapshot_date.desc())
    )


async def history(
    s: AsyncSession, organization_id: uuid.UUID, granularity: str, start: Any, end: Any
) -> list[Snapshot]:
    points = _rolled_up(organization_id, granularity, start, end).subquery()
    rows = await s.execute(select(aliased(Snapshot, points)).order_by(points.c.snapshot_date))
    return list(rows.scalars())


async def snapshots(
    s: AsyncSession,
    organization_id: uuid.UUID,
    granularity: str,
    start: Any,
    end: Any,
    page: PageRequest,
) -> tuple[list[Snapshot], int]:
    points = _rolled_up(organization_id, granularity, start, end).subquery()
    total = (await s.execute(select(func.count()).select_from(points))).scalar_one()
    rows = await s.execute(
        select(aliased(Snapshot, points))
        .order_by(points.c.snapshot_date.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(rows.scalars()), int(total)


async def earliest_snapshot(s: AsyncSession, organization_id: uuid.UUID) -> Any:
    stmt = select(func.min(Snapshot.snapshot_date)).where(
        Snapshot.organization_id == organization_id
    )
    return (await s.execute(stmt)).scalar_one()


async def save_snapshot(
    s: AsyncSession, organization_id: uuid.UUID, sheet: BalanceSheet, *, replace: bool
) -> None:
    """The day's snapshot: kept if one exists (`replace=False`, a read's), else replaced (the
    daily job's: re-running a day replaces it)."""
    values = {
        **sheet.figures,
        "total_assets": sheet.total_assets,
        "total_liabilities": sheet.total_liabilities,
        "total_net_worth": sheet.net_worth,
    }
    stmt = insert(Snapshot).values(
        organization_id=organization_id, snapshot_date=sheet.day, **values
    )
    key = [Snapshot.organization_id, Snapshot.snapshot_date]
    if replace:
        stmt = stmt.on_conflict_do_update(index_elements=key, set_=values)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=key)
    await s.execute(stmt)


async def snapshot_at(s: AsyncSession, organization_id: uuid.UUID, day: Any) -> Snapshot | None:
    """The last snapshot on or before `day`, else the first after it."""
    mine = Snapshot.organization_id == organization_id
    before = await s.execute(
        select(Snapshot)
        .where(mine, Snapshot.snapshot_date <= day)
        .order_by(Snapshot.snapshot_date.desc())
        .limit(1)
    )
    found = before.scalar_one_or_none()
    if found is not None:
        return found
    after = await s.execute(select(Snapshot).where(mine).order_by(Snapshot.snapshot_date).limit(1))
    return after.scalar_one_or_none()
