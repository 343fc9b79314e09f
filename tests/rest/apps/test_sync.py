"""Seed 002 "Trigger Sync" / "Get Sync Status" and "Data Mapping": the job reads the sandbox
provider's data through the adapters and stores it mapped, keyed by the provider's ids."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from tests.factories.app_connections import (
    assert_simple_error,
    connect,
    connection_row,
    create,
    wait_for_sync,
)
from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, UUID, bearer, call

SYNC_KEYS = {
    "id",
    "connectionId",
    "status",
    "syncType",
    "startedAt",
    "completedAt",
    "recordsProcessed",
    "recordsSynced",
    "errors",
    "dataTypes",
}


def trigger(rest, token, connection_id, body, status=200):
    return call(
        rest,
        "POST",
        f"/api/integrations/connections/{connection_id}/sync",
        status,
        json=body,
        headers=bearer(token),
    )


async def records(db, connection_id, data_type=None):
    query = "SELECT data_type, external_id, document FROM app_records WHERE connection_id = :c"
    params: dict[str, object] = {"c": uuid.UUID(connection_id)}
    if data_type:
        query += " AND data_type = :t"
        params["t"] = data_type
    async with db.transaction() as s:
        return (await s.execute(text(query + " ORDER BY external_id"), params)).all()


async def test_stripe_full_sync__documented_shapes_and_mapped_records(rest, db):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    body = trigger(
        rest,
        user.token,
        connection_id,
        {"syncType": "full", "dataTypes": ["payments", "invoices", "customers"]},
    )
    assert set(body) == {"success", "syncId", "status", "startedAt"}
    assert body["status"] == "running" and UUID.match(body["syncId"])
    assert RFC3339_Z.match(body["startedAt"])

    sync = wait_for_sync(rest, user.token, connection_id)
    assert set(sync) == SYNC_KEYS
    assert (sync["id"], sync["connectionId"], sync["status"], sync["syncType"]) == (
        body["syncId"],
        connection_id,
        "completed",
        "full",
    )
    assert sync["dataTypes"] == ["payments", "invoices", "customers"]
    assert RFC3339_Z.match(sync["completedAt"])
    assert sync["recordsProcessed"] == sync["recordsSynced"] == 75 and sync["errors"] == 0

    payments = await records(db, connection_id, "payments")
    assert len(payments) == 25
    for _, external_id, doc in payments:
        assert external_id.startswith("pi_") and doc["id"] == external_id
        assert doc["currency"] == doc["currency"].upper() and len(doc["currency"]) == 3
        assert doc["status"] in ("completed", "pending", "failed", "cancelled", "processing")
        assert Decimal(str(doc["amount"])) == Decimal(str(doc["amount"])).quantize(Decimal("0.01"))

    listed = call(rest, "GET", "/api/integrations/connections", 200, headers=bearer(user.token))
    [conn] = listed["connections"]
    assert conn["syncStatus"] == "success" and RFC3339_Z.match(conn["lastSyncAt"])


async def test_stripe_cents_become_the_documented_decimal(rest, db, knobs):
    """Seed 002 "Stripe Payment Mapping": 1000 cents usd succeeded → 10.00 USD completed."""
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    row = await connection_row(db, connection_id)
    raw = knobs.client.get(
        "/v1/payment_intents",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {_access_token(row)}"},
    ).json()["data"]
    trigger(rest, user.token, connection_id, {"dataTypes": ["payments"]})
    assert wait_for_sync(rest, user.token, connection_id)["status"] == "completed"
    stored = {r.external_id: r.document for r in await records(db, connection_id, "payments")}
    assert len(stored) == len(raw)
    for intent in raw:
        doc = stored[intent["id"]]
        assert Decimal(str(doc["amount"])) == Decimal(intent["amount"]) / 100
        assert doc["currency"] == intent["currency"].upper()
        if intent["status"] == "succeeded":
            assert doc["status"] == "completed"


def _access_token(row):
    return Vault((DEV_ENCRYPTION_KEY,)).unseal(row.access_token)


async def test_quickbooks_invoices_map_amount_balance_and_date(rest, db):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "quickbooks")
    trigger(rest, user.token, connection_id, {"syncType": "full", "dataTypes": ["invoices"]})
    assert wait_for_sync(rest, user.token, connection_id)["status"] == "completed"
    invoices = await records(db, connection_id, "invoices")
    assert len(invoices) == 25
    for _, external_id, doc in invoices:
        assert doc["id"] == external_id
        assert RFC3339_Z.match(doc["date"]) and doc["date"].endswith("T00:00:00Z")
        assert isinstance(doc["amount"], int | float) and isinstance(doc["balance"], int | float)


async def test_a_resync_updates_and_never_duplicates(rest, db, knobs):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "xero")
    row = await connection_row(db, connection_id)
    trigger(rest, user.token, connection_id, {})
    first = wait_for_sync(rest, user.token, connection_id)
    assert first["status"] == "completed"
    assert first["dataTypes"] == ["invoices", "expenses", "contacts", "bank_transactions"]
    count = len(await records(db, connection_id))
    knobs.apps_data("xero", row.account_id, kind="Invoices", add=2)
    trigger(rest, user.token, connection_id, {"syncType": "full"})
    assert wait_for_sync(rest, user.token, connection_id)["status"] == "completed"
    assert len(await records(db, connection_id)) == count + 2


async def test_a_401_refreshes_once_and_the_sync_completes(rest, db, knobs):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "slack")
    before = await connection_row(db, connection_id)
    refreshes = knobs.apps("slack")["token_calls"].get("refresh_token", 0)
    knobs.apps("slack", expire_all=True)
    trigger(rest, user.token, connection_id, {"dataTypes": ["channels", "users"]})
    sync = wait_for_sync(rest, user.token, connection_id)
    assert (sync["status"], sync["errors"]) == ("completed", 0), sync
    assert sync["recordsSynced"] > 0
    assert knobs.apps("slack")["token_calls"].get("refresh_token", 0) - refreshes == 1
    after = await connection_row(db, connection_id)
    assert after.access_token != before.access_token and after.status == "connected"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"syncType": "partial"}, "syncType"),
        ({"dataTypes": ["payments", "channels"]}, "dataTypes"),
        ({"dataTypes": [7]}, None),
    ],
)
async def test_bad_sync_requests_are_400_and_queue_nothing(rest, db, body, field):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    answer = trigger(rest, user.token, connection_id, body, status=400)
    if field is None:
        assert answer["success"] is False
    else:
        assert_simple_error(answer, field=field)
    async with db.transaction() as s:
        runs = await s.scalar(
            text("SELECT count(*) FROM app_sync_runs WHERE connection_id = :c"),
            {"c": uuid.UUID(connection_id)},
        )
    assert runs == 0


def test_a_pending_connection_cannot_sync_and_has_no_status(rest):
    user = sign_up(rest)
    pending = create(rest, user.token, {"service": "stripe"})["connectionId"]
    assert_simple_error(trigger(rest, user.token, pending, {}, status=400), field="connectionId")
    status = call(
        rest,
        "GET",
        f"/api/integrations/connections/{pending}/sync",
        404,
        headers=bearer(user.token),
    )
    assert_simple_error(status)


async def test_a_second_sync_while_one_runs_is_409(rest, db, knobs):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "quickbooks")
    knobs.apps("quickbooks", delay_ms=400)
    try:
        trigger(rest, user.token, connection_id, {"dataTypes": ["invoices", "customers"]})
        again = trigger(rest, user.token, connection_id, {}, status=409)
        assert_simple_error(again)
        assert wait_for_sync(rest, user.token, connection_id)["status"] == "completed"
    finally:
        knobs.apps("quickbooks", delay_ms=0)
    trigger(rest, user.token, connection_id, {"dataTypes": ["vendors"]})
