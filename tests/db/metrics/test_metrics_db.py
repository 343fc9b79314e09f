"""Request metrics on a real PostgreSQL: upserts add up across processes; reads keep the window."""

import asyncio
import datetime as dt
import random
import uuid

import pytest
from sqlalchemy import select

from server.platform.db.database import Database
from server.platform.metrics import repository as repo
from server.platform.metrics.models import ApiRequestStat
from server.platform.metrics.recorder import RequestMetrics, minute_of


def _endpoint() -> str:
    return f"GET /test/{uuid.uuid4().hex[:12]}"


def _far_past_minute() -> dt.datetime:
    """A minute in 1990 that no real request and no other test run uses."""
    start = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    return start + dt.timedelta(minutes=random.randrange(0, 5_000_000, 60))


async def _rows(db, endpoint):
    async with db.read() as s:
        stmt = select(ApiRequestStat).where(ApiRequestStat.endpoint == endpoint)
        return list((await s.execute(stmt)).scalars())


async def test_two_recorders_add_up_in_one_row(db):
    endpoint, at = _endpoint(), dt.datetime.now(dt.UTC)
    a, b = RequestMetrics(db, flush_s=60), RequestMetrics(db, flush_s=60)
    for ms, error in ((1.5, False), (2.5, True), (3.0, False)):
        a.record(endpoint, error=error, ms=ms, at=at)
    for ms, error in ((10.0, True), (20.0, True)):
        b.record(endpoint, error=error, ms=ms, at=at)

    await asyncio.gather(a.flush(), b.flush())  # two processes writing the same row at once
    [row] = await _rows(db, endpoint)
    assert (row.bucket_start, row.count, row.error_count) == (minute_of(at), 5, 3)
    assert row.total_ms == pytest.approx(37.0)
    assert a.pending == 0 and b.pending == 0

    a.record(endpoint, error=False, ms=4.0, at=at)
    await a.flush()
    await b.flush()  # nothing pending: writes nothing
    [row] = await _rows(db, endpoint)
    assert (row.count, row.error_count, row.total_ms) == (6, 3, pytest.approx(41.0))


async def test_each_minute_is_its_own_row(db):
    endpoint, at = _endpoint(), dt.datetime.now(dt.UTC)
    metrics = RequestMetrics(db, flush_s=60)
    metrics.record(endpoint, error=False, ms=1.0, at=at)
    metrics.record(endpoint, error=False, ms=1.0, at=at - dt.timedelta(minutes=5))
    await metrics.flush()
    rows = await _rows(db, endpoint)
    assert sorted(r.count for r in rows) == [1, 1] and len({r.bucket_start for r in rows}) == 2


async def test_a_failed_flush_keeps_the_tallies_for_the_next_one(db):
    endpoint, at = _endpoint(), dt.datetime.now(dt.UTC)
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none", pool_size=1)
    metrics = RequestMetrics(down, flush_s=60)
    metrics.record(endpoint, error=True, ms=5.0, at=at)
    with pytest.raises(OSError):
        await metrics.flush()
    metrics.record(endpoint, error=False, ms=5.0, at=at)
    assert metrics.pending_by_endpoint() == {endpoint: (2, 1)}
    await down.dispose()

    metrics._db = db  # the database is back
    await metrics.flush()
    [row] = await _rows(db, endpoint)
    assert (row.count, row.error_count) == (2, 1) and metrics.pending == 0


async def test_stop_writes_what_is_pending(db):
    endpoint = _endpoint()
    metrics = RequestMetrics(db, flush_s=3600)
    metrics.start()
    metrics.record(endpoint, error=False, ms=2.0)
    await metrics.stop()
    [row] = await _rows(db, endpoint)
    assert row.count == 1


async def test_window_totals_and_top_endpoints(db):
    start = _far_past_minute()
    tallies = [
        # endpoint i gets i + 1 requests of 10 ms each, one of them an error
        repo.Tally(start, f"GET /e{i:02d}", i + 1, 1, 10.0 * (i + 1))
        for i in range(12)
    ]
    tallies += [
        repo.Tally(start + dt.timedelta(minutes=1), "GET /e00", 1, 0, 40.0),
        repo.Tally(start + dt.timedelta(minutes=1), "GET /tie", 12, 0, 12.0),
        # outside the window below
        repo.Tally(start - dt.timedelta(minutes=1), "GET /e00", 1000, 0, 1.0),
        repo.Tally(start + dt.timedelta(minutes=2), "GET /e00", 1000, 0, 1.0),
    ]
    async with db.transaction() as s:
        await repo.add_tallies(s, tallies)
    since, until = start, start + dt.timedelta(minutes=2)
    async with db.read() as s:
        totals = await repo.window_totals(s, since=since, until=until)
        top = await repo.top_endpoints(s, since=since, until=until, limit=10)
        empty = await repo.window_totals(s, since=until + dt.timedelta(minutes=1), until=until)

    assert totals.count == sum(range(1, 13)) + 1 + 12
    assert totals.error_count == 12
    assert totals.total_ms == pytest.approx(10.0 * sum(range(1, 13)) + 40.0 + 12.0)
    assert [e.endpoint for e in top] == [
        "GET /e11", "GET /tie", "GET /e10", "GET /e09", "GET /e08",
        "GET /e07", "GET /e06", "GET /e05", "GET /e04", "GET /e03",
    ]  # fmt: skip
    assert (top[1].count, top[1].total_ms) == (12, pytest.approx(12.0))
    assert (empty.count, empty.error_count, empty.total_ms) == (0, 0, 0.0)

    async with db.transaction() as s:
        await repo.prune(s, before=until + dt.timedelta(minutes=1))
    async with db.read() as s:
        assert (await repo.window_totals(s, since=since, until=until)).count == 0
