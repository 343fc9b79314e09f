"""POST /api/v1/banking/accounts/{id}/sync (seed 004 "Sync Account")."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text

from tests.rest.banking.bank import make_bank
from tests.rest.client import RFC3339_Z, assert_mappr_error, call


def sync(rest, bank, account, body=None, status=200):
    return call(
        rest,
        "POST",
        f"/api/v1/banking/accounts/{account}/sync",
        status,
        json=body if body is not None else {},
        headers=bank.headers,
    )


async def test_queues_a_sync__documented_shape(rest, db):
    bank = await make_bank(rest, db)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body = sync(rest, bank, bank.checking, {"syncType": "full"})
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == {"accountId", "jobId", "status", "message", "estimatedCompletionTime"}
    assert data["accountId"] == str(bank.checking)
    assert isinstance(data["jobId"], str) and data["jobId"].isdigit()
    assert (data["status"], data["message"]) == ("queued", "Account sync queued successfully")
    assert RFC3339_Z.match(data["estimatedCompletionTime"])
    eta = dt.datetime.fromisoformat(data["estimatedCompletionTime"])
    assert eta > before
    async with db.transaction() as s:
        state = (
            await s.execute(
                text(
                    "SELECT job_id, sync_type, account_id FROM bank_sync_states"
                    " WHERE connection_id = :c"
                ),
                {"c": bank.connection_id},
            )
        ).one()
        job = (
            await s.execute(
                text("SELECT task_name, args FROM procrastinate_jobs WHERE id = :id"),
                {"id": int(data["jobId"])},
            )
        ).one()
        audit = await s.scalar(
            text(
                "SELECT count(*) FROM audit_log WHERE action = 'bank_account.sync'"
                " AND target_id = :t"
            ),
            {"t": str(bank.checking)},
        )
    assert (state.job_id, state.sync_type, state.account_id) == (
        int(data["jobId"]),
        "full",
        bank.checking,
    )
    assert job.task_name == "banking.sync_connection"
    assert job.args["connection_id"] == str(bank.connection_id)
    assert job.args["sync_type"] == "full"
    assert audit == 1


async def test_sync_type_defaults_to_incremental_and_is_checked(rest, db):
    bank = await make_bank(rest, db)
    data = sync(rest, bank, bank.savings)["data"]
    async with db.transaction() as s:
        kind = await s.scalar(
            text("SELECT sync_type FROM bank_sync_states WHERE job_id = :j"),
            {"j": int(data["jobId"])},
        )
    assert kind == "incremental"
    other = await make_bank(rest, db)
    body = sync(rest, other, other.checking, {"syncType": "partial"}, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert body["details"]["errors"][0]["field"] == "syncType"


async def test_a_running_sync_answers_409(rest, db):
    bank = await make_bank(rest, db)
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO bank_sync_states (id, organization_id, connection_id, status)"
                " VALUES (:id, :org, :c, 'IN_PROGRESS')"
            ),
            {"id": uuid.uuid4(), "org": bank.org_id, "c": bank.connection_id},
        )
    body = sync(rest, bank, bank.checking, {"syncType": "full"}, status=409)
    assert_mappr_error(body, code="SYNC_IN_PROGRESS", status=409)


async def test_an_inactive_connection_answers_400(rest, db):
    bank = await make_bank(rest, db, status="DISCONNECTED")
    body = sync(rest, bank, bank.checking, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert "disconnected" in body["error"]
    assert body["details"]["errors"][0]["field"] == "accountId"


async def test_unknown_malformed_or_foreign_account_is_404(rest, db):
    bank = await make_bank(rest, db)
    other = await make_bank(rest, db)
    for account in (other.checking, uuid.uuid4(), "nope"):
        body = sync(rest, bank, account, {"syncType": "full"}, status=404)
        assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)
    async with db.transaction() as s:
        states = await s.scalar(
            text("SELECT count(*) FROM bank_sync_states WHERE connection_id = :c"),
            {"c": other.connection_id},
        )
    assert states == 0


async def test_syncs_count_in_the_sync_rate_class(rate_stack, rest, db):
    """The rate stack's SYNC class is the default 3 per 5 minutes per user; refused calls
    (here 409, a sync running) count too."""
    from tests.rest.test_rate_limit import assert_429, client_from

    bank = await make_bank(rest, db)
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO bank_sync_states (id, organization_id, connection_id, status)"
                " VALUES (:id, :org, :c, 'IN_PROGRESS')"
            ),
            {"id": uuid.uuid4(), "org": bank.org_id, "c": bank.connection_id},
        )
    path = f"/api/v1/banking/accounts/{bank.checking}/sync"
    with client_from(rate_stack, "127.0.0.40") as client:
        statuses = [client.post(path, json={}, headers=bank.headers).status_code for _ in range(3)]
        assert statuses == [409, 409, 409]
        refused = client.post(path, json={}, headers=bank.headers)
        assert_429(refused, limit=3)
        # Reads are another class: still allowed.
        assert client.get("/api/v1/banking/accounts", headers=bank.headers).status_code == 200
