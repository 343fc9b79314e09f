"""`python -m tests.db.jobs.probe_worker`: the real worker, plus a task that blocks on its first
run (tests only)."""

import asyncio
from pathlib import Path

from server import worker
from server.platform.jobs.app import app

PROBE_QUEUE = "test-probe"


@app.task(name="tests.block_once", queue=PROBE_QUEUE)
async def block_once(marker: str) -> None:
    """First run: leaves `marker` and blocks until the process dies. Later runs: returns."""
    path = Path(marker)
    if path.exists():
        return
    path.write_text("started")
    await asyncio.Event().wait()


if __name__ == "__main__":
    raise SystemExit(worker.main())
