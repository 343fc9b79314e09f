"""Jobs on the maintenance queue: retrying jobs of dead workers, and pruning old rows."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from procrastinate import JobContext
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status

from server.auth import repository as auth_repo
from server.config import Settings
from server.db.database import Database
from server.idempotency import repository as idempotency
from server.jobs import queues
from server.jobs.app import RETRY, app, runtime
from server.mail import outbox

log = logging.getLogger("fingate.jobs")


@app.task(
    name="maintenance.retry_stalled_jobs",
    queue=queues.MAINTENANCE,
    queueing_lock="maintenance.retry_stalled_jobs",
    pass_context=True,
)
async def retry_stalled_jobs(context: JobContext, timestamp: int | None = None) -> int:
    """Puts back in the queue the running jobs of workers whose heartbeat stopped.

    procrastinate's recipe: a worker killed mid-job (SIGKILL, OOM, lost machine) leaves its
    jobs in `doing`; heartbeats tell a dead worker from a slow job. Scheduled by the worker
    (`schedule_stall_check`), since its period follows Settings.
    """
    settings = runtime(context).settings
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=settings.job_stalled_after_s)
    retried = 0
    for job in stalled:
        try:
            await manager.retry_job(job)
        except UniqueViolation:
            # A twin with the same queueing lock is waiting to do the same work (a coalesced
            # sync, a mail sweep). The stalled job still holds its `lock`, which would keep
            # the twin waiting for ever: end it, and the twin runs.
            assert job.id is not None
            await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
            log.warning(
                "ended job %s of a worker that stopped; a queued twin takes over",
                job.id,
                extra={"task": job.task_name},
            )
            continue
        log.warning(
            "retrying job %s of a worker that stopped", job.id, extra={"task": job.task_name}
        )
        retried += 1
    return retried


def stall_check_cron(stalled_after_s: int) -> str:
    """How often to look for stalled jobs: as often as a worker can be declared dead."""
    # procrastinate's cron takes seconds as a 6th field; a minute is often enough beyond that.
    return f"* * * * * */{stalled_after_s}" if stalled_after_s < 60 else "* * * * *"


def schedule_stall_check(settings: Settings) -> None:
    """Registers the periodic retry_stalled_jobs for this worker process (once per process)."""
    app.periodic(cron=stall_check_cron(settings.job_stalled_after_s), periodic_id="periodic")(
        retry_stalled_jobs
    )


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
