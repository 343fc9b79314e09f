"""The sync jobs: what the worker runs for `request_sync` and the auto-sync sweep."""

from __future__ import annotations

import uuid

from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text

from server.banking.sync import engine
from server.banking.sync.locks import lock_for
from server.platform.jobs import queues
from server.platform.jobs.app import RETRY, app, runtime

AUTO_SYNC_BATCH = 500


@app.task(name="banking.sync_connection", queue=queues.BANK_SYNC, pass_context=True, retry=RETRY)
async def sync_connection(
    context: JobContext, organization_id: str, connection_id: str, sync_type: str = "incremental"
) -> dict[str, int]:
    """Brings one connection's accounts and transactions up to date with its provider."""
    rt = runtime(context)
    job_id = context.job.id if context.job else None
    result = await engine.sync(
        rt,
        organization_id=uuid.UUID(organization_id),
        connection_id=uuid.UUID(connection_id),
        sync_type=sync_type,
        job_id=job_id,
    )
    return result.as_dict()


# Connections whose sync frequency has passed are queued every five minutes; one queued or
# running sync per connection (the queueing lock) keeps a slow provider from piling them up.
@app.periodic(cron="*/5 * * * *", periodic_id="bank-auto-sync")
@app.task(name="banking.auto_sync", queue=queues.BANK_SYNC, pass_context=True)
async def auto_sync(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    queued = 0
    async with rt.db.transaction() as s:
        due = (
            await s.execute(
                text("SELECT * FROM fingate_due_bank_connections(:n)"), {"n": AUTO_SYNC_BATCH}
            )
        ).all()
    for organization_id, connection_id in due:
        lock = lock_for(connection_id)
        try:
            await sync_connection.configure(queueing_lock=lock, lock=lock).defer_async(
                organization_id=str(organization_id), connection_id=str(connection_id)
            )
        except AlreadyEnqueued:
            continue
        queued += 1
    return queued
