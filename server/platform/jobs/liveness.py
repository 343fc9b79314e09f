"""Whether any job worker is alive: procrastinate's own worker table, whose rows each worker's
heartbeat refreshes (server/worker.py beats several times per JOB_STALLED_AFTER_SECONDS)."""

from __future__ import annotations

from sqlalchemy import text

from server.platform.db.database import Database

# One round trip that is also the database check of /health: it fails when PostgreSQL does.
_SQL = text(
    "SELECT EXISTS (SELECT 1 FROM procrastinate_workers "
    "WHERE last_heartbeat > now() - make_interval(secs => :stalled_after_s))"
)


async def worker_alive(db: Database, *, stalled_after_s: float) -> bool:
    """True when a worker beat within `stalled_after_s`; raises when PostgreSQL is down."""
    async with db.read() as session:
        return bool(await session.scalar(_SQL, {"stalled_after_s": stalled_after_s}))
