"""The one procrastinate App of the code base, and how a process connects it to PostgreSQL.

Tasks register on `app` when their module is imported (TASK_MODULES); the App starts with a
connector that has no connection, and `connect` swaps in one built from Settings for as long
as a process (the server, the worker, a test) uses the queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import procrastinate
import psycopg_pool
from procrastinate import JobContext, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession

from server.platform.cache.store import Cache
from server.platform.config import Settings
from server.platform.db.database import Database
from server.platform.jobs.conninfo import psycopg_conninfo

log = logging.getLogger("fingate.jobs")
TransactionsChanged = Callable[[AsyncSession, uuid.UUID, dt.date], Awaitable[int]]

# Modules whose import registers tasks; the worker imports them all before it starts.
TASK_MODULES = [
    "server.platform.mail.delivery",
    "server.auth.resets",
    "server.platform.jobs.maintenance",
    "server.housekeeping",
    "server.banking.sync.tasks",
    "server.banking.connections.revocation",
    "server.crypto.sync",
    "server.networth.tasks",
    "server.apps.sync",
    "server.apps.webhooks",
    "server.apps.schedule",
    "server.gateway.tasks",
]

app = procrastinate.App(connector=PsycopgConnector(), import_paths=TASK_MODULES)

# What most jobs want on an error (a database restart, an SMTP outage): try again after
# 2, 4, 8 … 1024 s (exponential backoff), then give up as failed, visible in the queue stats.
RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What tasks share in a worker process: passed as procrastinate's additional context."""

    db: Database
    settings: Settings
    # The shared (Redis) cache whose keys jobs invalidate; None without REDIS_URL, where each
    # server process's memory cache is out of a worker's reach and expires by its TTL.
    cache: Cache | None = None
    # Run in a bank sync's transaction when it changed an organization's transactions (the
    # budgets' alert mails): (session bound to the organization, organization, today) → mails
    # queued. Wired by the worker (server/worker.py), so banking does not import budgets.
    transactions_changed: tuple[TransactionsChanged, ...] = ()


def runtime(context: JobContext) -> Runtime:
    """The worker's Runtime, for a task declared with pass_context=True."""
    value = context.additional_context["runtime"]
    assert isinstance(value, Runtime)
    return value


@contextlib.asynccontextmanager
async def connect(
    settings: Settings, *, max_connections: int, wait: bool = True
) -> AsyncIterator[procrastinate.App]:
    """`app`, connected through a psycopg pool to DATABASE_URL until the block ends.

    `wait=False` returns at once even when PostgreSQL is down (the server must still start and
    answer 503); the pool then connects in the background.
    """
    pool = psycopg_pool.AsyncConnectionPool(
        psycopg_conninfo(settings.database_url),
        min_size=1,
        max_size=max_connections,
        open=False,
        # A connection that died with PostgreSQL is replaced instead of failing a defer.
        check=psycopg_pool.AsyncConnectionPool.check_connection,
        # The same fail-fast budget as the SQLAlchemy engine (server.platform.db.database).
        kwargs={"connect_timeout": 5},
        timeout=10,
    )
    await pool.open(wait=wait)
    connector = PsycopgConnector()
    try:
        with app.replace_connector(connector):
            await connector.open_async(pool)
            yield app
    finally:
        await pool.close()


class JobQueue:
    """The server's handle on the queue: deferring only, opened and closed with the server."""

    def __init__(self, settings: Settings, *, max_connections: int = 2):
        self._settings = settings
        self._max_connections = max_connections
        self._stack = contextlib.AsyncExitStack()

    async def open(self) -> None:
        await self._stack.enter_async_context(
            connect(self._settings, max_connections=self._max_connections, wait=False)
        )

    async def close(self) -> None:
        await self._stack.aclose()

    async def defer(
        self,
        task: procrastinate.tasks.Task[Any, Any, Any],
        *,
        queueing_lock: str | None = None,
        lock: str | None = None,
        schedule_at: dt.datetime | None = None,
        **task_kwargs: Any,
    ) -> int | None:
        """Queues a job of `task`: its id, or None when its queueing lock has one waiting.

        Jobs sharing a `lock` never run at the same time (procrastinate runs them in order);
        `schedule_at` holds the job until then."""
        deferrer = task.configure(queueing_lock=queueing_lock, lock=lock, schedule_at=schedule_at)
        try:
            job_id: int = await deferrer.defer_async(**task_kwargs)
        except AlreadyEnqueued:
            return None
        return job_id
