"""The engine and the unit of work: one transaction, committed once, rolled back by default."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from asyncpg import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger("fingate.db")

# SQLSTATEs of a transaction PostgreSQL aborted because of another one (deadlock detected,
# serialization failure): the same work run again succeeds (server/platform/interceptors/retry.py).
TRANSIENT_ABORTS = frozenset({"40P01", "40001"})


def is_transient_abort(exc: BaseException) -> bool:
    """Whether `exc` (SQLAlchemy's wrapper, its adapted DBAPI error, or a raw asyncpg error)
    is a transaction PostgreSQL aborted for deadlock or serialization failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if code in TRANSIENT_ABORTS:
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False


# Failures after which a raw connection's state is unknown.
_BROKEN = (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError)


class Database:
    """A pooled asyncpg engine and its session factory."""

    def __init__(self, url: str, *, pool_size: int = 8):
        self.engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=2,
            # No pre-ping: it costs a round trip per checkout on every request. A connection
            # that died with PostgreSQL fails its request as 503 (retryable) and is discarded.
            pool_recycle=1800,
            # Fail fast when PostgreSQL is down instead of hanging a request.
            connect_args={"timeout": 5, "command_timeout": 30},
            # Bound values never enter an exception's text, so never a log: they include
            # password hashes, sealed provider tokens and whatever a client sent.
            hide_parameters=True,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads that need no snapshot across statements skip BEGIN/COMMIT: two fewer round
        # trips on the authenticated hot path. Same pool, autocommit on checkout.
        self._reads = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: commits when the block ends, rolls back on error."""
        async with self.sessions.begin() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for single-statement reads, outside any transaction."""
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def driver(self) -> AsyncIterator[Connection]:
        """The pooled asyncpg connection itself, for statements of server/platform/db/compiled.py.

        Outside any transaction unless the caller opens one. A connection handed back inside
        a transaction (a failed ROLLBACK), or after a cancelled call or a broken link (a
        statement may still be running on it), leaves the pool, so no later checkout inherits
        its state: a bound organization, above all. Errors of the caller's own (a 404) keep
        it."""
        async with self.engine.connect() as conn:
            raw: Connection = (await conn.get_raw_connection()).driver_connection
            broken = False
            try:
                yield raw
            except BaseException as exc:
                broken = not isinstance(exc, Exception) or isinstance(exc, _BROKEN)
                raise
            finally:
                if broken or raw.is_in_transaction():
                    await conn.invalidate()

    async def dispose(self) -> None:
        await self.engine.dispose()
