"""SQL of the connection routes; every call runs in a tenant transaction (RLS applies too)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.models import BankConnection

_VIEW = BankConnection.__table__.c


async def get(
    s: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID, *, lock: bool = False
) -> BankConnection | None:
    q = select(BankConnection).where(
        BankConnection.organization_id == organization_id, BankConnection.id == connection_id
    )
    if lock:
        q = q.with_for_update()
    found: BankConnection | None = await s.scalar(q)
    return found


async def exists(s: AsyncSession, organization_id: uuid.UUID, connection_id: uuid.UUID) -> bool:
    found = await s.scalar(
        select(BankConnection.id).where(
            BankConnection.organization_id == organization_id, BankConnection.id == connection_id
        )
    )
    return found is not None


async def page(
    s: AsyncSession, organization_id: uuid.UUID, *, status: str | None, offset: int, limit: int
) -> tuple[list[Row[Any]], int]:
    """A page of connections, newest first, and how many matched (Core rows: a hot read)."""
    where = [_VIEW.organization_id == organization_id]
    if status:
        where.append(_VIEW.status == status)
    total = await s.scalar(select(func.count()).select_from(BankConnection).where(*where))
    rows = await s.execute(
        select(BankConnection.__table__)
        .where(*where)
        .order_by(_VIEW.created_at.desc(), _VIEW.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def active_twin(s: AsyncSession, conn: BankConnection) -> bool:
    """Whether another ACTIVE connection of the organization holds the same provider item."""
    found = await s.scalar(
        select(BankConnection.id).where(
            BankConnection.organization_id == conn.organization_id,
            BankConnection.provider == conn.provider,
            BankConnection.provider_item_id == conn.provider_item_id,
            BankConnection.status == "ACTIVE",
            BankConnection.id != conn.id,
        )
    )
    return found is not None


async def set_status(
    s: AsyncSession, connection_id: uuid.UUID, status: str, **values: Any
) -> BankConnection:
    changed: BankConnection = (
        await s.scalars(
            update(BankConnection)
            .where(BankConnection.id == connection_id)
            .values(status=status, updated_at=func.now(), **values)
            .returning(BankConnection)
            .execution_options(populate_existing=True)
        )
    ).one()
    return changed


async def delete_connection(s: AsyncSession, connection_id: uuid.UUID) -> None:
    """The foreign keys' ON DELETE CASCADE removes accounts, transactions, sync state and logs
    in this statement."""
    await s.execute(delete(BankConnection).where(BankConnection.id == connection_id))


async def mark_synced(s: AsyncSession, connection_id: uuid.UUID, at: dt.datetime) -> None:
    await s.execute(
        update(BankConnection)
        .where(BankConnection.id == connection_id)
        .values(last_sync_at=at, updated_at=func.now())
    )


async def record_refusal(
    s: AsyncSession, connection_id: uuid.UUID, status: str, error: str
) -> None:
    """The provider refused the stored grant: the connection takes `status`, with the error."""
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
