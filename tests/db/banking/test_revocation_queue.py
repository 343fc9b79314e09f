"""The revocation job is queued by the delete's own transaction, as the server's role (under
RLS, with the privileges the server has): committed together or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from server.banking.connections.revocation import TASK_NAME, queue_revocation
from server.platform.common.ids import new_id


class Abort(Exception):
    pass


async def _jobs(db, connection_id) -> list:
    async with db.transaction() as s:
        rows = await s.execute(
            text(
                "SELECT queue_name, lock, args FROM procrastinate_jobs "
                "WHERE task_name = :task AND args->>'connection_id' = :cid"
            ),
            {"task": TASK_NAME, "cid": str(connection_id)},
        )
        return list(rows)


async def test_a_rolled_back_transaction_queues_nothing(app_db, db):
    cid = new_id()
    with pytest.raises(Abort):
        async with app_db.transaction() as s:
            job_id = await queue_revocation(
                s, provider="PLAID", sealed_token="sealed", connection_id=cid
            )
            assert job_id > 0
            raise Abort
    assert await _jobs(db, cid) == []


async def test_a_committed_transaction_queues_one_job_with_the_sealed_token(app_db, db):
    cid = new_id()
    async with app_db.transaction() as s:
        await queue_revocation(s, provider="TELLER", sealed_token="gAAAA-sealed", connection_id=cid)
    (job,) = await _jobs(db, cid)
    assert job.queue_name == "bank-sync"
    assert job.lock == f"bank-sync:{cid}"
    assert job.args == {
        "provider": "TELLER",
        "sealed_token": "gAAAA-sealed",
        "connection_id": str(cid),
    }
