"""SQL of the accounts as the public API hands them out (server/banking/api.py) and as a sync
from the provider writes them; every call runs in a tenant transaction (RLS applies too)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.models import FinancialAccount

_A = FinancialAccount.__table__.c
# The columns of api.AccountRecord.
_COLUMNS = (
    _A.id,
    _A.connection_id,
    _A.provider_account_id,
    _A.last_four,
    _A.name,
    _A.type,
    _A.subtype,
    _A.currency,
    _A.balance,
    _A.available_balance,
    _A.is_active,
    _A.last_sync_at,
    _A.created_at,
    _A.updated_at,
)


async def records(
    s: AsyncSession,
    organization_id: uuid.UUID,
    *,
    connection_id: uuid.UUID | None = None,
    active_only: bool = False,
    subtype: str | None = None,
) -> list[Any]:
    """Core rows (a hot read), oldest first."""
    q = select(*_COLUMNS).where(_A.organization_id == organization_id)
    if connection_id is not None:
        q = q.where(_A.connection_id == connection_id)
    if active_only:
        q = q.where(_A.is_active.is_(True))
    if subtype:
        q = q.where(_A.subtype == subtype)
    rows = await s.execute(q.order_by(_A.created_at, _A.id))
    return list(rows.all())


async def record(s: AsyncSession, organization_id: uuid.UUID, account_id: uuid.UUID) -> Any:
    rows = await s.execute(
        select(*_COLUMNS).where(_A.organization_id == organization_id, _A.id == account_id)
    )
    return rows.first()


async def known_accounts(s: AsyncSession, connection_id: uuid.UUID) -> dict[str, FinancialAccount]:
    """The connection's stored accounts by provider id, locked for the upsert."""
    rows = await s.scalars(
        select(FinancialAccount)
        .where(FinancialAccount.connection_id == connection_id)
        .with_for_update()
    )
    return {a.provider_account_id: a for a in rows}


async def add_account(s: AsyncSession, **values: Any) -> None:
    await s.execute(insert(FinancialAccount).values(**values))


async def change_account(s: AsyncSession, account_id: uuid.UUID, **values: Any) -> None:
    await s.execute(
        update(FinancialAccount).where(FinancialAccount.id == account_id).values(**values)
    )
