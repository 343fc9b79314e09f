"""`python -m server.worker`: runs queued jobs until SIGTERM/SIGINT, then stops gracefully.

One worker serves every queue (server.jobs.queues); start more processes to scale. Jobs left
in `doing` by a worker that died are retried by the maintenance queue's periodic
retry_stalled_jobs, once the worker's heartbeat is JOB_STALLED_AFTER_SECONDS old.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import uvloop

from server import config
from server.cache.store import make_cache
from server.db.database import Database
from server.jobs.app import Runtime, connect
from server.jobs.maintenance import schedule_stall_check
from server.logs import configure

log = logging.getLogger("fingate.worker")


async def work() -> None:
    settings = config.load()
    configure(settings.log_level)
    schedule_stall_check(settings)
    db = Database(settings.database_url, pool_size=settings.job_concurrency)
    cache = make_cache(settings) if settings.redis_url else None
    # Each running job may hold a connection, plus the listener, heartbeat and fetching.
    async with connect(settings, max_connections=settings.job_concurrency + 4) as app:
        worker = asyncio.create_task(
            app.run_worker_async(
                name="fingate-worker",
                concurrency=settings.job_concurrency,
                # Our own handlers below: one stop path, logged like the server's.
                install_signal_handlers=False,
                # A heartbeat several times per stall period: a slow beat is not a death.
                update_heartbeat_interval=max(settings.job_stalled_after_s / 4, 0.5),
                stalled_worker_timeout=settings.job_stalled_after_s,
                shutdown_graceful_timeout=settings.shutdown_grace_s,
                additional_context={"runtime": Runtime(db=db, settings=settings, cache=cache)},
            )
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        stopping = asyncio.create_task(stop.wait())
        log.info("worker started", extra={"concurrency": settings.job_concurrency})
        await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not worker.done():
            log.info("shutting down", extra={"grace_s": settings.shutdown_grace_s})
            # procrastinate stops fetching, lets running jobs finish within the grace
            # period, aborts the rest and unregisters the worker.
            worker.cancel()
        stopping.cancel()
        await asyncio.gather(worker, stopping, return_exceptions=True)
        error = None if worker.cancelled() else worker.exception()
    await db.dispose()
    if error is not None:
        log.error("worker failed", exc_info=error)
        raise SystemExit(1)


def main() -> int:
    try:
        uvloop.run(work())
    except config.ConfigError as exc:
        print(f"fingate worker: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
