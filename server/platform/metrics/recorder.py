"""Counts each RPC in process memory and adds the counts to PostgreSQL in batches.

A database write per request would cost more than most requests; instead every call ends in a
dict update keyed by (UTC minute, route), and a background task adds the accumulated tallies to
`api_request_stats` every METRICS_FLUSH_SECONDS with one upsert that increments, so any number
of server processes sum correctly. The stop path flushes once more, so a graceful shutdown
loses nothing; a crash loses at most one interval.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from server.platform.db.database import Database
from server.platform.metrics import repository as repo

log = logging.getLogger("fingate.metrics")

# Minutes older than this are deleted, at most once per PRUNE_EVERY per process.
RETENTION = dt.timedelta(days=30)
PRUNE_EVERY = dt.timedelta(hours=1)
# While the database is down, tallies are kept for retry; beyond this many keys the oldest
# minutes are dropped so memory stays bounded.
MAX_PENDING_KEYS = 100_000


@dataclass(slots=True)
class _Tally:
    count: int = 0
    errors: int = 0
    total_ms: float = 0.0


def minute_of(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


class RequestMetrics:
    """One per server process: `record()` on every call, `flush()` on a timer and at stop."""

    def __init__(self, db: Database, *, flush_s: float):
        self._db = db
        self._flush_s = flush_s
        self._buffer: dict[tuple[dt.datetime, str], _Tally] = {}
        # Serialises flushes: a flush that returns has written everything recorded before it
        # started, even if the timer's flush was mid-write when it was called.
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._pruned_at: dt.datetime | None = None

    def record(
        self, endpoint: str, *, error: bool, ms: float, at: dt.datetime | None = None
    ) -> None:
        """Counts one finished request (synchronous: no I/O on the request path)."""
        key = (minute_of(at or dt.datetime.now(dt.UTC)), endpoint)
        tally = self._buffer.get(key)
        if tally is None:
            tally = self._buffer[key] = _Tally()
        tally.count += 1
        tally.errors += int(error)
        tally.total_ms += ms

    @property
    def pending(self) -> int:
        """Requests recorded but not yet written."""
        return sum(t.count for t in self._buffer.values())

    def pending_by_endpoint(self) -> dict[str, tuple[int, int]]:
        """(requests, errors) recorded but not yet written, by route."""
        found: dict[str, tuple[int, int]] = {}
        for (_, endpoint), t in self._buffer.items():
            count, errors = found.get(endpoint, (0, 0))
            found[endpoint] = (count + t.count, errors + t.errors)
        return found

    async def flush(self) -> None:
        """Adds every tally recorded so far to the database; on failure keeps them for retry."""
        async with self._lock:
            batch, self._buffer = self._buffer, {}
            if not batch:
                return
            tallies = [
                repo.Tally(
                    bucket_start=minute,
                    endpoint=endpoint,
                    count=t.count,
                    error_count=t.errors,
                    total_ms=t.total_ms,
                )
                for (minute, endpoint), t in batch.items()
            ]
            try:
                async with self._db.transaction() as s:
                    await repo.add_tallies(s, tallies)
            except BaseException:
                self._restore(batch)
                raise

    def _restore(self, batch: dict[tuple[dt.datetime, str], _Tally]) -> None:
        for key, t in batch.items():
            now = self._buffer.get(key)
            if now is None:
                self._buffer[key] = t
            else:
                now.count += t.count
                now.errors += t.errors
                now.total_ms += t.total_ms
        if len(self._buffer) > MAX_PENDING_KEYS:
            keep = sorted(self._buffer, reverse=True)[:MAX_PENDING_KEYS]
            log.warning("dropping %d unwritten metric minutes", len(self._buffer) - len(keep))
            self._buffer = {k: self._buffer[k] for k in keep}

    async def _prune_if_due(self) -> None:
        now = dt.datetime.now(dt.UTC)
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        async with self._db.transaction() as s:
            await repo.prune(s, before=now - RETENTION)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="metrics-flusher")

    async def stop(self) -> None:
        """Stops the timer and writes what is left (call after the server stopped serving)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.warning("final metrics flush failed; %d requests lost", self.pending, exc_info=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_s)
            try:
                await self.flush()
                await self._prune_if_due()
            except Exception:  # the database may be down: the tallies wait for the next try
                log.warning("metrics flush failed", exc_info=True)
