"""`python -m server.worker`: runs queued jobs until SIGTERM/SIGINT, then stops gracefully.

One worker serves every queue (server.platform.jobs.queues); start more processes to scale. Jobs
left in `doing` by a worker that died are retried by the maintenance queue's periodic
retry_stalled_jobs, once the worker's heartbeat is JOB_STALLED_AFTER_SECONDS old.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import psycopg
import psycopg_pool
import uvloop
from procrastinate.exceptions import ConnectorException
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from server.budgets import alerts as budget_alerts
from server.platform import config
from server.platform.cache.store import make_cache
from server.platform.db.database import Database
from server.platform.jobs.app import Runtime, connect
from server.platform.jobs.maintenance import schedule_stall_check
from server.platform.logs import configure
from server.platform.metrics.exposition import ProcessMetrics
from server.platform.tracing import provider as tracing
from server.scrape import metrics_endpoint

log = logging.getLogger("fingate.worker")

# Failures of the queue's own connections: PostgreSQL down, restarting or unreachable.
DATABASE_ERRORS = (psycopg.Error, psycopg_pool.PoolTimeout, ConnectorException, OSError)


class _WorkerEnded(Exception):
    """The queue worker stopped without being asked to (procrastinate stops on any database
    error: a restart of PostgreSQL, a dropped LISTEN connection, a failed heartbeat)."""


async def _serve(settings: config.Settings, runtime: Runtime, stop: asyncio.Event) -> None:
    """One life of the queue worker: connect, run until `stop` is set (returns) or the worker
    ends on its own (raises, for the caller to start it again)."""
    if stop.is_set():
        return
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
                additional_context={"runtime": runtime},
                worker_middleware=tracing.job_middleware(),
            )
        )
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
        if stop.is_set():
            return
        error = None if worker.cancelled() else worker.exception()
    raise _WorkerEnded(type(error).__name__ if error else "stopped") from error


def _log_restart(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "worker ended; starting it again",
        extra={
            "cause": str(error) if isinstance(error, _WorkerEnded) else type(error).__name__,
            "attempt": state.attempt_number,
            "in_s": round(state.upcoming_sleep, 2),
        },
    )


async def work() -> None:
    settings = config.load()
    configure(settings.log_level)
    tracing.setup(settings, service="fingate-worker")
    schedule_stall_check(settings)
    db = Database(settings.database_url, pool_size=settings.job_concurrency)
    cache = make_cache(settings) if settings.redis_url else None
    runtime = Runtime(
        db=db, settings=settings, cache=cache, transactions_changed=(budget_alerts.notify,)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def pause(seconds: float) -> None:
        # A stop request ends the pause at once; the next attempt then returns at once.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    # Ride out database outages: start the worker again, backing off up to 30 s between
    # attempts (jittered, so several workers do not reconnect in step). Jobs a dead life left
    # in `doing` are put back by maintenance.retry_stalled_jobs once their heartbeat is stale.
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((_WorkerEnded, *DATABASE_ERRORS)),
        wait=wait_exponential_jitter(initial=0.5, max=30),
        sleep=pause,
        before_sleep=_log_restart,
        reraise=True,
    )
    # Its samples reach the server's endpoint through PROMETHEUS_MULTIPROC_DIR on one machine
    # (the dev stack gives the worker METRICS_PORT 0); in a pod of its own it serves them.
    exporter = ProcessMetrics(db, process="worker", endpoint=metrics_endpoint(settings, db))
    await exporter.start()
    try:
        await retrying(_serve, settings, runtime, stop)
    finally:
        await exporter.stop()
        await db.dispose()
        tracing.shutdown()


def main() -> int:
    try:
        uvloop.run(work())
    except config.ConfigError as exc:
        print(f"fingate worker: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
