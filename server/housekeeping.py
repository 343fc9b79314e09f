"""Hourly housekeeping on the maintenance queue: old rows of every domain, and finished jobs.

A composition module, like server/worker.py: it knows the domains' tables, which the job
platform (server/platform/jobs) must not.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from procrastinate import JobContext

from server.auth import repository as auth_repo
from server.platform.config import Settings
from server.platform.db.database import Database
from server.platform.idempotency import repository as idempotency
from server.platform.jobs import queues
from server.platform.jobs.app import RETRY, app, runtime
from server.platform.mail import outbox

log = logging.getLogger("fingate.jobs")


@dataclass(frozen=True, slots=True)
class Pruned:
    refresh_tokens: int
    action_tokens: int
    mail: int
    idempotency_keys: int


async def prune(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> Pruned:
    """Deletes tokens used or expired longer ago than TOKEN_RETENTION_SECONDS, mail sent
    longer ago than MAIL_RETENTION_SECONDS and expired idempotency keys."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.transaction() as s:
        refresh, action = await auth_repo.delete_stale_tokens(
            s, now - dt.timedelta(seconds=settings.token_retention_s)
        )
        mail = await outbox.delete_sent_before(
            s, now - dt.timedelta(seconds=settings.mail_retention_s)
        )
        keys = await idempotency.delete_expired(s, now=now)
    return Pruned(refresh_tokens=refresh, action_tokens=action, mail=mail, idempotency_keys=keys)


@app.periodic(cron="17 * * * *", periodic_id="hourly")
@app.task(
    name="maintenance.cleanup",
    queue=queues.MAINTENANCE,
    queueing_lock="maintenance.cleanup",
    pass_context=True,
    retry=RETRY,
)
async def cleanup(context: JobContext, timestamp: int | None = None) -> None:
    """Hourly: prune() our tables, and finished jobs older than JOB_RETENTION_HOURS."""
    rt = runtime(context)
    pruned = await prune(rt.db, rt.settings)
    await context.app.job_manager.delete_old_jobs(
        nb_hours=rt.settings.job_retention_hours,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
    log.info(
        "pruned old rows",
        extra={
            "refresh_tokens": pruned.refresh_tokens,
            "action_tokens": pruned.action_tokens,
            "mail": pruned.mail,
            "idempotency_keys": pruned.idempotency_keys,
        },
    )
