"""Syncs on the connection's `syncFrequency` (server/apps/schedule.py): due ones are queued as
incremental syncs, manual and recent ones are not, a running one is left alone."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text

import server.schema  # noqa: F401  (every table, for the ORM in this process)
from server.apps.schedule import due, schedule_due
from tests.factories.app_connections import connect
from tests.factories.auth import sign_up
from tests.rest.client import bearer, call

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def test_due_follows_the_frequency():
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    assert due("hourly", None, NOW) and due("hourly", NOW - hour, NOW)
    assert not due("hourly", NOW - hour + dt.timedelta(seconds=1), NOW)
    assert due("daily", NOW - day, NOW) and not due("daily", NOW - hour, NOW)
    assert due("weekly", NOW - 7 * day, NOW) and not due("weekly", NOW - 6 * day, NOW)
    assert not due("manual", None, NOW) and not due("monthly", None, NOW)


async def test_due_connections_are_queued_once(rest, db):
    user = sign_up(rest)
    hourly, manual, recent = (connect(rest, user.token, "stripe") for _ in range(3))
    for connection_id, frequency in ((hourly, "hourly"), (manual, "manual"), (recent, "daily")):
        call(
            rest,
            "PATCH",
            f"/api/integrations/connections/{connection_id}",
            200,
            json={"settings": {"syncFrequency": frequency}},
            headers=bearer(user.token),
        )
    ours = [uuid.UUID(c) for c in (hourly, manual, recent)]
    async with db.transaction() as s:
        # Earlier tests' connections are set aside: the schedule is system-wide.
        await s.execute(
            text(
                'UPDATE app_connections SET settings = settings || \'{"syncFrequency": "manual"}\''
                " WHERE id <> ALL(:ours)"
            ),
            {"ours": ours},
        )
        await s.execute(
            text("UPDATE app_connections SET last_sync_at = :t WHERE id = :c"),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(hours=2), "c": uuid.UUID(hourly)},
        )
        await s.execute(
            text("UPDATE app_connections SET last_sync_at = :t WHERE id = :c"),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(hours=2), "c": uuid.UUID(recent)},
        )
    queued: list[dict[str, str]] = []

    async def defer(**kwargs: str) -> None:
        queued.append(kwargs)

    now = dt.datetime.now(dt.UTC)
    assert await schedule_due(db, defer, now) == 1
    async with db.transaction() as s:
        runs = (
            await s.execute(
                text(
                    "SELECT id, connection_id, sync_type, status FROM app_sync_runs"
                    " WHERE connection_id = ANY(:ours)"
                ),
                {"ours": ours},
            )
        ).all()
    [(run_id, connection_id, kind, status)] = runs
    assert (str(connection_id), kind, status) == (hourly, "incremental", "running")
    assert queued == [{"organization_id": queued[0]["organization_id"], "run_id": str(run_id)}]
    # Still running: the next pass queues nothing more for it.
    assert await schedule_due(db, defer, now) == 0
