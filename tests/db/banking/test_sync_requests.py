"""Asking for a sync: refused while one runs, unless that one has long gone silent."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from server.banking.sync.requests import request_sync
from server.platform.errors import SyncInProgress
from server.platform.jobs.app import JobQueue
from tests.factories.banking import insert_connection, insert_org


async def _running(db, org, connection, *, minutes_ago: int) -> None:
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO bank_sync_states (id, organization_id, connection_id, status,"
                " updated_at) VALUES (gen_random_uuid(), :org, :c, 'IN_PROGRESS',"
                " now() - make_interval(mins => :m))"
            ),
            {"org": org, "c": connection, "m": minutes_ago},
        )


async def test_a_running_sync_refuses_another_until_it_has_gone_silent(scratch):
    user, org = await insert_org(scratch.db)
    busy = await insert_connection(scratch.db, org, user)
    stale = await insert_connection(scratch.db, org, user)
    await _running(scratch.db, org, busy, minutes_ago=1)
    await _running(scratch.db, org, stale, minutes_ago=60)
    jobs = JobQueue(scratch.settings())
    await jobs.open()
    try:
        with pytest.raises(SyncInProgress):
            async with scratch.db.transaction() as s:
                await request_sync(s, jobs, organization_id=org, connection_id=busy)
        async with scratch.db.transaction() as s:
            job_id = await request_sync(s, jobs, organization_id=org, connection_id=stale)
        assert job_id > 0
        async with scratch.db.transaction() as s:
            state = await s.scalar(
                text("SELECT status FROM bank_sync_states WHERE connection_id = :c"),
                {"c": stale},
            )
        assert state == "PENDING"
    finally:
        await jobs.close()
