"""Asking for a sync: one place that queues it, so no caller can start a second one.

Two guards keep a connection to one sync at a time: procrastinate's queueing lock (a second
request while one waits is refused, not queued twice) and its job lock (a job queued while
another runs waits for it instead of racing it). The sync state tells a client which.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.models import BankConnection, BankSyncState
from server.banking.sync.locks import lock_for
from server.banking.sync.tasks import sync_connection
from server.platform.errors import SyncInProgress
from server.platform.jobs.app import JobQueue

SYNC_TYPES = ("full", "incremental")
STALE_AFTER = dt.timedelta(minutes=15)


async def request_sync(
    s: AsyncSession,
    jobs: JobQueue,
    *,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    account_id: uuid.UUID | None = None,
    sync_type: str = "incremental",
) -> int:
    """Queues a sync of the connection and marks its state PENDING; returns the job id.

    Raises SyncInProgress while one is queued or running. `s` is the caller's tenant
    transaction; the state row is written in it.
    """
    # The job is queued on its own connection and may start before this transaction commits;
    # holding the connection row first makes that job wait for our commit, instead of a
    # deadlock between its connection lock and our sync-state row (whose foreign key points
    # at the connection).
    await s.execute(
        select(BankConnection.id)
        .where(BankConnection.id == connection_id)
        .with_for_update(key_share=True)
    )
    state = (
        await s.execute(
            select(BankSyncState.status, BankSyncState.updated_at).where(
                BankSyncState.connection_id == connection_id
            )
        )
    ).one_or_none()
    # A sync writes its state at every batch; one silent for STALE_AFTER died without saying
    # so (its job gave up after its retries) and must not block the connection for ever.
    if (
        state is not None
        and state.status == "IN_PROGRESS"
        and state.updated_at > dt.datetime.now(dt.UTC) - STALE_AFTER
    ):
        raise SyncInProgress("A sync of this account is already in progress")
    job_id = await jobs.defer(
        sync_connection,
        queueing_lock=lock_for(connection_id),
        lock=lock_for(connection_id),
        organization_id=str(organization_id),
        connection_id=str(connection_id),
        sync_type=sync_type,
    )
    if job_id is None:
        raise SyncInProgress("A sync of this account is already queued")
    values = {
        "status": "PENDING",
        "sync_type": sync_type,
        "job_id": job_id,
        "account_id": account_id,
        "updated_at": dt.datetime.now(dt.UTC),
    }
    await s.execute(
        insert(BankSyncState)
        .values(organization_id=organization_id, connection_id=connection_id, **values)
        .on_conflict_do_update(index_elements=[BankSyncState.connection_id], set_=values)
    )
    return job_id
