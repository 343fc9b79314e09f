"""The worker process: a job whose worker is killed mid-run is retried by another worker, and
SIGTERM stops a worker cleanly."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable

from procrastinate.jobs import Status
from sqlalchemy import text

from server.dev.devstack.process import spawn, stop_process
from server.platform.jobs.app import connect
from tests.conftest import ROOT
from tests.db.jobs.probe_worker import PROBE_QUEUE
from tests.secrets import JWT_SECRET

# Generous: the whole scenario normally takes a few seconds.
DEADLINE_S = 90.0


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    try:
        async with asyncio.timeout(DEADLINE_S):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not within {DEADLINE_S:g}s: {what}") from None


def _start_worker(scratch, log_path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "APP_ENV": "test",
        "JWT_SECRET": JWT_SECRET,
        "DATABASE_URL": scratch.url,
        "JOB_STALLED_AFTER_SECONDS": "2",
        "SHUTDOWN_GRACE_SECONDS": "5",
    }
    cmd = [sys.executable, "-m", "tests.db.jobs.probe_worker"]
    return spawn(cmd, log_path=log_path, env=env, cwd=ROOT)


async def _workers(scratch) -> int:
    async with scratch.db.read() as s:
        return int((await s.execute(text("SELECT count(*) FROM procrastinate_workers"))).scalar())


async def test_job_of_a_killed_worker_is_retried_by_another_worker(scratch, tmp_path):
    marker = tmp_path / "started"
    first = _start_worker(scratch, tmp_path / "first.log")
    second = None
    try:
        async with connect(scratch.settings(), max_connections=2) as app:
            deferrer = app.configure_task("tests.block_once", queue=PROBE_QUEUE)
            job_id = await deferrer.defer_async(marker=str(marker))

            async def status() -> Status:
                return await app.job_manager.get_job_status_async(job_id)

            async def running() -> bool:
                return marker.exists() and await status() == Status.DOING

            await _until(running, "the job runs on the first worker")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            assert await status() == Status.DOING  # nobody will finish it on its own

            second = _start_worker(scratch, tmp_path / "second.log")

            async def succeeded() -> bool:
                return await status() == Status.SUCCEEDED

            await _until(succeeded, "the second worker retries and finishes the job")
    finally:
        stop_process(first)
        if second is not None:
            stop_process(second)


async def test_sigterm_stops_the_worker_and_unregisters_it(scratch, tmp_path):
    worker = _start_worker(scratch, tmp_path / "worker.log")
    try:

        async def registered() -> bool:
            return await _workers(scratch) == 1

        await _until(registered, "the worker registers")
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, DEADLINE_S) == 0
        assert await _workers(scratch) == 0
    finally:
        stop_process(worker)
