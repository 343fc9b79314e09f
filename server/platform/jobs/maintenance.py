"""The queue's own maintenance: retrying jobs of dead workers. (Pruning the domains' old rows
is server/housekeeping.py.)"""

from __future__ import annotations

import logging

from procrastinate import JobContext
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status

from server.platform.config import Settings
from server.platform.jobs import queues
from server.platform.jobs.app import app, runtime

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
