"""POST /api/v1/webhooks/quickbooks (seed 004 "QuickBooks Webhooks"): the signature over the
raw body, stored once per (realmId, event id), processed by a job that re-reads the entity."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import pytest
from sqlalchemy import text

from server.platform.config import DEV_QUICKBOOKS_WEBHOOK_VERIFIER
from tests.factories.app_connections import connect, connection_row
from tests.factories.auth import sign_up
from tests.rest.client import assert_mappr_error

PATH = "/api/v1/webhooks/quickbooks"
RECEIVED = {"success": True, "data": {"message": "Webhook processed successfully"}}


def notification(realm: str, entity_id: str, *, event_id: str | None = None) -> bytes:
    change: dict[str, object] = {
        "entities": [
            {
                "name": "Invoice",
                "id": entity_id,
                "operation": "Create",
                "lastUpdated": "2025-01-21T10:30:00Z",
            }
        ]
    }
    if event_id is not None:
        change["eventIds"] = [event_id]
    body = {"eventNotifications": [{"realmId": realm, "dataChangeEvent": change}]}
    # Not our JSON printer's spacing: the signature must cover the bytes as sent.
    return json.dumps(body, indent=1).encode()


def sign(body: bytes, key: str = DEV_QUICKBOOKS_WEBHOOK_VERIFIER) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def post(rest, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["intuit-signature"] = signature
    return rest.post(PATH, content=body, headers=headers)


async def events(db, realm: str):
    async with db.transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT event_id, processed_at FROM quickbooks_webhook_events"
                    " WHERE realm_id = :r"
                ),
                {"r": realm},
            )
        ).all()


async def invoice_record(db, connection_id: str, external_id: str):
    async with db.transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT document FROM app_records WHERE connection_id = :c"
                    " AND data_type = 'invoices' AND external_id = :e"
                ),
                {"c": uuid.UUID(connection_id), "e": external_id},
            )
        ).scalar_one_or_none()


@pytest.mark.parametrize("prefix", ["sha256=", ""])
async def test_a_signed_event_is_stored_once_and_reread(rest, db, knobs, prefix):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "quickbooks")
    realm = (await connection_row(db, connection_id)).account_id
    [new_id] = knobs.apps_data("quickbooks", realm, kind="Invoice", add=1)["ids"][-1:]
    body = notification(realm, new_id, event_id=f"evt-{uuid.uuid4()}")

    first = post(rest, body, prefix + sign(body))
    assert first.status_code == 200, first.text
    assert first.json() == RECEIVED
    # Intuit redelivers: answered the same, stored once.
    again = post(rest, body, prefix + sign(body))
    assert again.status_code == 200 and again.json() == RECEIVED
    assert len(await events(db, realm)) == 1

    deadline = time.monotonic() + 30
    while (await invoice_record(db, connection_id, new_id)) is None:
        assert time.monotonic() < deadline, "the job never re-read the invoice"
        await asyncio.sleep(0.1)
    document = await invoice_record(db, connection_id, new_id)
    assert document["id"] == new_id and "amount" in document and "balance" in document
    [(_, processed_at)] = await events(db, realm)
    assert processed_at is not None


def test_the_same_changes_without_event_ids_are_one_event(rest):
    realm = f"realm-{uuid.uuid4().hex[:12]}"
    body = notification(realm, "42")
    assert post(rest, body, sign(body)).status_code == 200
    assert post(rest, body, sign(body)).status_code == 200


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "not base64 at all!",
        "sha256=" + base64.b64encode(b"x" * 32).decode(),
        "sha256=" + sign(b"{}"),
    ],
    ids=["missing", "empty", "prefix-only", "garbage", "wrong", "other-body"],
)
async def test_a_bad_signature_is_401_and_stores_nothing(rest, db, signature):
    realm = f"realm-{uuid.uuid4().hex[:12]}"
    body = notification(realm, "1", event_id="evt-1")
    response = post(rest, body, signature)
    assert response.status_code == 401, response.text
    assert_mappr_error(response.json(), code="UNAUTHORIZED", status=401)
    assert await events(db, realm) == []


async def test_one_altered_byte_fails(rest, db):
    realm = f"realm-{uuid.uuid4().hex[:12]}"
    body = notification(realm, "1", event_id="evt-1")
    signature = sign(body)
    altered = body.replace(b'"1"', b'"2"', 1)
    assert altered != body and len(altered) == len(body)
    assert post(rest, altered, signature).status_code == 401
    assert post(rest, body, "sha256=" + sign(body, key="another-verifier")).status_code == 401
    assert await events(db, realm) == []


def test_a_signed_body_that_is_no_notification_is_400(rest):
    for body in (b"not json", b"{}", b'{"eventNotifications": [{"realmId": 5}]}'):
        response = post(rest, body, sign(body))
        assert response.status_code == 400, (body, response.text)
        assert_mappr_error(response.json(), code="INVALID_INPUT", status=400)


async def test_a_burst_of_deliveries_is_answered_and_stored_once_each(rest, db, stack):
    realm = f"realm-{uuid.uuid4().hex[:12]}"
    bodies = [notification(realm, str(n), event_id=f"evt-{n}") for n in range(40)]
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    PATH,
                    content=body,
                    headers={"Content-Type": "application/json", "intuit-signature": sign(body)},
                )
                for body in bodies + bodies
            )
        )
    assert [r.status_code for r in responses] == [200] * 80
    assert all(r.json() == RECEIVED for r in responses)
    assert len(await events(db, realm)) == 40
