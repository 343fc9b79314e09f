"""A payment a dead process left PROCESSING after its rail took it: the sweeper resumes it
under the same attempt key, and the rail answers the payment it has instead of a second one."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import text

import server.schema  # noqa: F401  (every table, for the ORM in this process)
from server.gateway.payments import Payments, attempt_key
from server.gateway.tasks import resume_stale
from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from server.providers.rails import Rails
from tests.factories.sandbox import settings_for
from tests.rest.gateway.conftest import RAIL_KEY, rail_account, register


async def test_a_payment_taken_before_the_crash_is_settled_not_sent_again(
    rest, db, stack, knobs, service
):
    name = register(rest, service.headers, stack, "ACH")
    source = rail_account(stack, "ach")
    payment_id = uuid.uuid4()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    async with db.transaction() as s:
        integration = await s.scalar(
            text("SELECT id FROM gateway_integrations WHERE name = :n"), {"n": name}
        )
        principal = await s.scalar(
            text("SELECT user_id FROM service_principals WHERE name = :n"), {"n": service.name}
        )
        await s.execute(
            text(
                "INSERT INTO gateway_payments (id, principal_id, request_sha256, amount, currency,"
                " from_account, to_account, description, preferred, status, created_at,"
                " updated_at) VALUES (:id, :p, 'x', 5, 'USD', :src, 'payee', 'crash test',"
                " :pref, 'PROCESSING', :t, :t)"
            ),
            {"id": payment_id, "p": principal, "src": source, "pref": [name], "t": long_ago},
        )
    key = attempt_key(payment_id, integration)
    # The process sent this attempt, the rail took it, and the process died before recording.
    taken = httpx.post(
        f"{stack.sandbox_url}/ach/v1/payments",
        content=json.dumps(
            {
                "amount": "5.00",
                "currency": "USD",
                "from_account": source,
                "to_account": "payee",
                "description": "crash test",
            }
        ),
        headers={
            "Authorization": f"Bearer {RAIL_KEY}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert taken.status_code == 201, taken.text
    before = knobs.rails("ach")["payments"]["count"]

    rails = Rails(settings_for(stack.sandbox_url))
    try:
        payments = Payments(db, Vault((DEV_ENCRYPTION_KEY,)), rails)
        # (The worker's own minute sweep may get to it first: either way it is resumed once.)
        await resume_stale(payments, dt.datetime.now(dt.UTC))
        # Claimed once: a second sweep right after finds nothing of it.
        assert payment_id not in {p.id for p in await payments.claim_stale(dt.datetime.now(dt.UTC))}
    finally:
        await rails.aclose()
    async with db.transaction() as s:
        row = (
            await s.execute(
                text(
                    "SELECT status, integration_name, rail_transaction_id, amount"
                    " FROM gateway_payments WHERE id = :id"
                ),
                {"id": payment_id},
            )
        ).one()
    assert row.status in ("PENDING", "COMPLETED") and row.integration_name == name
    assert row.rail_transaction_id == taken.json()["id"] and row.amount == Decimal("5")
    assert knobs.rails("ach")["payments"]["count"] == before
