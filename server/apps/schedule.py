"""Syncs on the connection's own schedule (`settings.syncFrequency`): every ten minutes the
`apps.scheduled_syncs` job queues an incremental sync of each connected connection whose last
sync is older than its frequency (hourly, daily, weekly; `manual` never). A connection already
syncing is left alone; one whose token has expired is not connected and is skipped."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from procrastinate import JobContext
from sqlalchemy import text

from server.apps import catalog
from server.apps import repository as repo
from server.apps.sync import start_run, sync_connection
from server.platform.db.database import Database
from server.platform.jobs import queues
from server.platform.jobs.app import app, runtime
from server.platform.tenancy.session import bind_organization

log = logging.getLogger("fingate.apps")
EVERY = {
    "hourly": dt.timedelta(hours=1),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(weeks=1),
}


def due(frequency: str, last_sync_at: dt.datetime | None, now: dt.datetime) -> bool:
    interval = EVERY.get(frequency)
    return interval is not None and (last_sync_at is None or now - last_sync_at >= interval)


Defer = Callable[..., Awaitable[Any]]


async def schedule_due(db: Database, defer: Defer, now: dt.datetime) -> int:
    """Queues (with `defer`, the sync task's deferrer) the syncs that are due; returns how
    many were queued."""
    async with db.transaction() as s:
        rows = (await s.execute(text("SELECT * FROM fingate_app_connections_scheduled()"))).all()
    queued = 0
    for organization_id, connection_id, frequency, last_sync_at in rows:
        if not due(frequency or catalog.DEFAULT_SYNC_FREQUENCY, last_sync_at, now):
            continue
        run_id = await _start(db, organization_id, connection_id)
        if run_id is None:
            continue
        await defer(organization_id=str(organization_id), run_id=str(run_id))
        queued += 1
    return queued


async def _start(
    db: Database, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> uuid.UUID | None:
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        conn = await repo.connection(s, connection_id, lock=True)
        if conn is None or conn.status != "connected":
            return None
        types = list(catalog.SERVICES[conn.service].data_types)
        run = await start_run(s, conn, "incremental", types)
        return run.id if run is not None else None


@app.periodic(cron="*/10 * * * *", periodic_id="apps-scheduled-syncs")
@app.task(name="apps.scheduled_syncs", queue=queues.APP_SYNC, pass_context=True)
async def scheduled_syncs(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    return await schedule_due(rt.db, sync_connection.defer_async, dt.datetime.now(dt.UTC))
