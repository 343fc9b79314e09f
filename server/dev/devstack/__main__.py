"""`make run`: bring the whole system up on this machine; Ctrl-C (or SIGTERM) stops all of it."""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from server.dev.devstack.process import REPO_ROOT
from server.dev.devstack.readiness import StartupError
from server.dev.devstack.stack import Ports, Stack
from server.platform.config import ConfigError, process_count


class _Stop(BaseException):
    """Raised by the signal handler; BaseException so no `except Exception` swallows it."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # One stop only: further Ctrl-Cs must not interrupt the orderly shutdown.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise _Stop(signum)


def _shown(url: str) -> str:
    """`url` for the terminal: a password in it (REDIS_URL, DATABASE_URL) becomes `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def banner(stack: Stack) -> str:
    """Where everything listens, for a person at the terminal."""
    rest, p = stack.rest_url, stack.ports
    rows = [
        ("REST (Envoy)", rest),
        ("health", f"{rest}/health"),
        ("docs", f"{rest}/docs"),
        ("OpenAPI", f"{rest}/openapi.json"),
        ("gRPC", f"{stack.grpc_target} (also via Envoy on :{p.http}); grpcurl -plaintext … list"),
        (
            "processes",
            f"{len(stack.server_names)} server (SERVER_PROCESSES), "
            f"{len(stack.worker_names)} worker (WORKER_PROCESSES)"
            + (f"; they share Redis at {_shown(stack.redis_url)}" if stack.redis_url else ""),
        ),
        ("Envoy admin", stack.admin_url),
        (
            "metrics",
            f"{stack.metrics_url} (Prometheus; Envoy's own stats: {stack.admin_url}/stats)",
        ),
        ("SMTP sink", f"127.0.0.1:{p.smtp}, mail lands in {stack.mail_dir}/"),
        (
            "sandbox",
            f"{stack.sandbox_url} (Stripe /v1, Plaid /plaid, Teller /teller, Zerion /zerion)",
        ),
        ("PostgreSQL", _shown(stack.database_url) if stack.database_url else "?"),
        ("logs", f"{stack.log_dir}/"),
    ]
    lines = [f"  {name:<13} {value}" for name, value in rows]
    return "\n".join(["fingate is up (Ctrl-C stops everything):", *lines])


def main() -> int:
    """Start the stack, print its URLs, wait for SIGINT/SIGTERM, stop it, exit 0."""
    # Our own progress only: pgserver and aiosmtpd narrate every step at INFO.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    def give_up(name: str) -> None:
        # From the supervisor's thread: the main thread stops the stack and exits non-zero.
        print(f"fingate: the {name} keeps dying (see {stack.log_path(name)}); stopping", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        # Every core serves calls; one worker's asyncio loop keeps up with the job queue here
        # (its jobs wait on providers and PostgreSQL), more are a WORKER_PROCESSES away.
        servers = process_count(os.environ, "SERVER_PROCESSES", os.cpu_count() or 1)
        workers = process_count(os.environ, "WORKER_PROCESSES", 1)
    except ConfigError as exc:
        print(f"fingate: {exc}", file=sys.stderr)
        return 2
    stack = Stack(
        ports=Ports.from_env(),
        var_dir=REPO_ROOT / "var",
        on_give_up=give_up,
        server_processes=servers,
        worker_processes=workers,
    )
    try:
        print(
            "starting PostgreSQL, migrations, SMTP sink, sandbox, job worker, gRPC server, Envoy…",
            flush=True,
        )
        stack.start()
        print(banner(stack), flush=True)
        while True:
            signal.pause()
    except _Stop:
        print("\nstopping…", flush=True)
        if stack.supervisor.given_up:
            stack.stop()
            return 1
    except StartupError as exc:
        print(f"fingate did not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
