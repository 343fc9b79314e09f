"""The daily net-worth snapshot: every organization that holds something, valued each night."""

from __future__ import annotations

import datetime as dt
import logging

from procrastinate import JobContext
from sqlalchemy import text

from server.networth import balance
from server.networth import repository as repo
from server.platform.db.database import Database
from server.platform.jobs import queues
from server.platform.jobs.app import app, runtime
from server.platform.tenancy.session import bind_organization
from server.providers.rates import RatesClient

log = logging.getLogger("fingate.networth")


async def snapshot_all(db: Database, rates: RatesClient, day: dt.date) -> int:
    """Writes (or replaces) the day's snapshot of each organization; returns how many. One
    organization's failure (a rate missing) skips it, not the others."""
    async with db.transaction() as s:
        organizations = (
            (await s.execute(text("SELECT * FROM fingate_networth_organizations()")))
            .scalars()
            .all()
        )
    written = 0
    for organization_id in organizations:
        try:
            async with db.transaction() as s:
                await bind_organization(s, organization_id)
                sheet = await balance.compute(s, organization_id, day, rates)
                await repo.save_snapshot(s, organization_id, sheet, replace=True)
        except Exception as error:  # noqa: BLE001 - one organization must not stop the rest
            log.warning("net-worth snapshot skipped", extra={"error_type": type(error).__name__})
            continue
        written += 1
    return written


@app.periodic(cron="15 0 * * *", periodic_id="networth-daily")
@app.task(name="networth.daily_snapshots", queue=queues.MAINTENANCE, pass_context=True)
async def daily_snapshots(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    day = dt.datetime.now(dt.UTC).date()
    return await snapshot_all(rt.db, RatesClient.from_settings(rt.settings), day)
