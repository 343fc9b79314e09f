"""Readiness probes for the dev stack's processes, polled against a deadline."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.dev.devstack.process import log_tail


class StartupError(RuntimeError):
    """A component of the stack exited or did not become ready in time."""


def wait_for(
    check: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
    interval: float = 0.1,
) -> None:
    """Poll `check` until it is true; fail early if `proc` exits, with its log tail."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise StartupError(f"{what} exited with {proc.returncode}{_tail(log_path)}")
        if check():
            return
        if time.monotonic() >= deadline:
            raise StartupError(f"{what} not ready after {timeout:g}s{_tail(log_path)}")
        time.sleep(interval)


def _tail(log_path: Path | None) -> str:
    if log_path is None:
        return ""
    return f"; last lines of {log_path}:\n{log_tail(log_path)}"


def grpc_health(target: str, *, timeout: float = 1.0) -> str | None:
    """The overall grpc.health.v1 status name at `target` (e.g. SERVING), None if unreachable."""
    # Local targets only: an HTTP proxy from the environment must not intercept them.
    with grpc.insecure_channel(target, options=[("grpc.enable_http_proxy", 0)]) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError:
            return None
    name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return name


def http_ok(url: str, *, timeout: float = 1.0) -> bool:
    """True when `url` answers 200."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def port_open(host: str, port: int, *, timeout: float = 0.5) -> bool:
    """True when a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_free(port: int, what: str, *, host: str = "127.0.0.1") -> None:
    """Fail if something already listens on host:port."""
    # A leftover process there would answer the readiness probe in our child's place.
    if port_open(host, port):
        raise StartupError(f"{what}: port {port} on {host} is already in use")


def last_worker_id(conninfo: str) -> int:
    """The highest id in procrastinate_workers (0 when none); the queue's schema must exist."""
    with psycopg.connect(conninfo, connect_timeout=5) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM procrastinate_workers").fetchone()
    return int(row[0]) if row else 0


def worker_registered(conninfo: str, *, after_id: int) -> bool:
    """True when a job worker with an id above `after_id` is registered and beating."""
    try:
        with psycopg.connect(conninfo, connect_timeout=1) as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM procrastinate_workers WHERE id > %s)", (after_id,)
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])
