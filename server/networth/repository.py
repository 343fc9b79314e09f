"""SQL of the asset accounts; every statement names the organization (and RLS binds it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.networth.models import AssetAccount
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
