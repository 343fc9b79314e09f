"""Queries of app connections, their syncs and records. Every function runs in a session bound
to an organization (row-level security); the user filter is the facade's own rule on top."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.apps.models import AppConnection, AppRecord, SyncRun

LISTED = ("pending", "connected", "expired", "error")


def json_ready(value: Any) -> Any:
    """A mapped document as JSON values: amounts (Decimal) as numbers. Money fits a double's
    15 significant digits exactly, and jsonb keeps the number as written."""
    return json.loads(json.dumps(value, default=_encode))


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


async def connection(
    s: AsyncSession,
    connection_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None = None,
    lock: bool = False,
) -> AppConnection | None:
    """A connection that is not revoked; only `user_id`'s when given."""
    query = select(AppConnection).where(
        AppConnection.id == connection_id, AppConnection.status != "revoked"
    )
    if user_id is not None:
        query = query.where(AppConnection.user_id == user_id)
    if lock:
        query = query.with_for_update()
    return (await s.execute(query)).scalar_one_or_none()


async def connections(
    s: AsyncSession,
    organization_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None = None,
    services: Sequence[str] = (),
    status: str | None = None,
) -> Sequence[AppConnection]:
    """Listed connections, newest first."""
    query = select(AppConnection).where(
        AppConnection.organization_id == organization_id, AppConnection.status.in_(LISTED)
    )
    if user_id is not None:
        query = query.where(AppConnection.user_id == user_id)
    if services:
        query = query.where(AppConnection.service.in_(services))
    if status is not None:
        query = query.where(AppConnection.status == status)
    query = query.order_by(AppConnection.created_at.desc(), AppConnection.id.desc())
    return (await s.execute(query)).scalars().all()


async def connected_services(
    s: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
) -> set[str]:
    rows = await s.execute(
        select(AppConnection.service).where(
            AppConnection.organization_id == organization_id,
            AppConnection.user_id == user_id,
            AppConnection.status == "connected",
        )
    )
    return set(rows.scalars())


async def change(s: AsyncSession, connection_id: uuid.UUID, **values: Any) -> None:
    await s.execute(
        update(AppConnection)
        .where(AppConnection.id == connection_id)
        .values(updated_at=func.now(), **values)
    )


async def latest_run(s: AsyncSession, connection_id: uuid.UUID) -> SyncRun | None:
    return (
        await s.execute(
            select(SyncRun)
            .where(SyncRun.connection_id == connection_id)
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def run(s: AsyncSession, run_id: uuid.UUID) -> SyncRun | None:
    return await s.get(SyncRun, run_id)


async def last_completed_start(s: AsyncSession, connection_id: uuid.UUID) -> dt.datetime | None:
    """When the last completed sync started: what an incremental sync reads from."""
    return (
        await s.execute(
            select(func.max(SyncRun.started_at)).where(
                SyncRun.connection_id == connection_id, SyncRun.status == "completed"
            )
        )
    ).scalar_one()


async def abandon_stale_runs(
    s: AsyncSession, connection_id: uuid.UUID, before: dt.datetime
) -> None:
    """Fails a run still `running` since before `before`: its worker died with it, and it
    must not block the connection's syncs forever."""
    await s.execute(
        update(SyncRun)
        .where(
            SyncRun.connection_id == connection_id,
            SyncRun.status == "running",
            SyncRun.started_at < before,
        )
        .values(status="failed", completed_at=func.now(), error="abandoned")
    )


async def upsert_records(
    s: AsyncSession,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    records: Sequence[tuple[str, str, dict[str, Any], dt.datetime | None]],
) -> int:
    """Stores (data type, provider id, document, provider's update time) rows, replacing the
    same provider id's earlier version; returns how many were stored."""
    if not records:
        return 0
    now = dt.datetime.now(dt.UTC)
    # One row per key: a provider page may repeat a record, which ON CONFLICT cannot take twice.
    unique = {(r[0], r[1]): r for r in records}
    statement = insert(AppRecord).values(
        [
            {
                "connection_id": connection_id,
                "organization_id": organization_id,
                "data_type": data_type,
                "external_id": external_id,
                "document": json_ready(document),
                "provider_updated_at": updated,
                "synced_at": now,
            }
            for data_type, external_id, document, updated in unique.values()
        ]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[AppRecord.connection_id, AppRecord.data_type, AppRecord.external_id],
        set_={
            "document": statement.excluded.document,
            "provider_updated_at": statement.excluded.provider_updated_at,
            "synced_at": statement.excluded.synced_at,
        },
    )
    await s.execute(statement)
    return len(unique)


async def delete_record(
    s: AsyncSession, connection_id: uuid.UUID, data_type: str, external_id: str
) -> None:
    await s.execute(
        delete(AppRecord).where(
            AppRecord.connection_id == connection_id,
            AppRecord.data_type == data_type,
            AppRecord.external_id == external_id,
        )
    )


async def records(
    s: AsyncSession, connection_id: uuid.UUID, data_type: str | None = None
) -> Sequence[AppRecord]:
    query = select(AppRecord).where(AppRecord.connection_id == connection_id)
    if data_type is not None:
        query = query.where(AppRecord.data_type == data_type)
    return (
        (await s.execute(query.order_by(AppRecord.data_type, AppRecord.external_id)))
        .scalars()
        .all()
    )
