"""SQL of the Dashtam routes; every call runs in a tenant transaction (RLS applies too)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.models import BankConnection, FinancialAccount

_A = FinancialAccount.__table__.c
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


async def accounts(
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


async def account(s: AsyncSession, organization_id: uuid.UUID, account_id: uuid.UUID) -> Any:
    rows = await s.execute(
        select(*_COLUMNS).where(_A.organization_id == organization_id, _A.id == account_id)
    )
    return rows.first()


async def connection_exists(
    s: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> bool:
    found = await s.scalar(
        select(BankConnection.id).where(
            BankConnection.organization_id == organization_id, BankConnection.id == connection_id
        )
    )
    return found is not None


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


async def mark_synced(s: AsyncSession, connection_id: uuid.UUID, at: dt.datetime) -> None:
    await s.execute(
        update(BankConnection)
        .where(BankConnection.id == connection_id)
        .values(last_sync_at=at, updated_at=func.now())
    )


async def set_connection_status(
    s: AsyncSession, connection_id: uuid.UUID, status: str, error: str
) -> None:
    await s.execute(
        update(BankConnection)
        .where(BankConnection.id == connection_id)
        .values(
            status=status,
            last_error=error,
            error_count=BankConnection.error_count + 1,
            updated_at=func.now(),
        )
    )
