"""SQL of the request metrics; every function runs inside the caller's session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.platform.metrics.models import ApiRequestStat

t = ApiRequestStat.__table__.c


@dataclass(frozen=True, slots=True)
class Tally:
    """Requests to one route in one minute."""

    bucket_start: dt.datetime
    endpoint: str
    count: int
    error_count: int
    total_ms: float


@dataclass(frozen=True, slots=True)
class EndpointTotals:
    endpoint: str
    count: int
    total_ms: float


@dataclass(frozen=True, slots=True)
class WindowTotals:
    count: int
    error_count: int
    total_ms: float


async def add_tallies(s: AsyncSession, tallies: Sequence[Tally]) -> None:
    """Adds each tally to its row, creating it when missing.

    Rows are written in key order so that two processes flushing overlapping minutes lock
    them in the same order and cannot deadlock.
    """
    if not tallies:
        return
    rows = [
        {
            "bucket_start": x.bucket_start,
            "endpoint": x.endpoint,
            "count": x.count,
            "error_count": x.error_count,
            "total_ms": x.total_ms,
        }
        for x in sorted(tallies, key=lambda x: (x.bucket_start, x.endpoint))
    ]
    stmt = insert(ApiRequestStat)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.bucket_start, t.endpoint],
        set_={
            "count": t.count + stmt.excluded.count,
            "error_count": t.error_count + stmt.excluded.error_count,
            "total_ms": t.total_ms + stmt.excluded.total_ms,
        },
    )
    await s.execute(stmt, rows)


def _window(since: dt.datetime, until: dt.datetime | None) -> list[ColumnElement[bool]]:
    conds = [t.bucket_start >= since]
    if until is not None:
        conds.append(t.bucket_start < until)
    return conds


async def window_totals(
    s: AsyncSession, *, since: dt.datetime, until: dt.datetime | None = None
) -> WindowTotals:
    """Sums over the minutes in [since, until)."""
    stmt = select(
        func.coalesce(func.sum(t.count), 0),
        func.coalesce(func.sum(t.error_count), 0),
        func.coalesce(func.sum(t.total_ms), 0.0),
    ).where(*_window(since, until))
    row = (await s.execute(stmt)).one()
    return WindowTotals(count=int(row[0]), error_count=int(row[1]), total_ms=float(row[2]))


async def top_endpoints(
    s: AsyncSession, *, since: dt.datetime, until: dt.datetime | None = None, limit: int = 10
) -> list[EndpointTotals]:
    """The routes with the most requests in [since, until), most first, then by name."""
    requests = func.sum(t.count).label("requests")
    stmt = (
        select(t.endpoint, requests, func.sum(t.total_ms))
        .where(*_window(since, until))
        .group_by(t.endpoint)
        .order_by(requests.desc(), t.endpoint)
        .limit(limit)
    )
    return [
        EndpointTotals(endpoint=row[0], count=int(row[1]), total_ms=float(row[2]))
        for row in await s.execute(stmt)
    ]


async def prune(s: AsyncSession, *, before: dt.datetime) -> None:
    """Drops the minutes before `before`."""
    await s.execute(delete(ApiRequestStat).where(t.bucket_start < before))
