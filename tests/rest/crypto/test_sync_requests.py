"""Asking for a wallet sync (seed 004 "Sync Wallet"): what is refused before any job is
queued. The syncs themselves run against the provider sandbox (test_sync.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select

from server.crypto.models import ProviderCircuit, Wallet
from tests.factories.auth import sign_up
from tests.factories.crypto import insert_wallet
from tests.factories.organizations import personal_org_id
from tests.rest.client import assert_mappr_error, bearer

WALLETS = "/api/v1/crypto/wallets"


async def test_bad_sync_types_are_refused_and_queue_nothing(rest, db):
    user = sign_up(rest)
    wid = await insert_wallet(db, personal_org_id(rest, user.token))
    for body in (
        {"syncTypes": ["assets", "prices"]},
        {"syncTypes": ["assets", "assets"]},
    ):
        response = rest.post(f"{WALLETS}/{wid}/sync", json=body, headers=bearer(user.token))
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "INVALID_INPUT"
    async with db.transaction() as s:
        status, job = (
            await s.execute(select(Wallet.sync_status, Wallet.sync_job_id).where(Wallet.id == wid))
        ).one()
    assert (status, job) == ("pending", None)


async def test_an_open_provider_circuit_answers_the_documented_503(rest, db):
    user = sign_up(rest)
    wid = await insert_wallet(db, personal_org_id(rest, user.token))
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    async with db.transaction() as s:
        await s.execute(insert(ProviderCircuit).values(provider="zerion", open_until=until))
    try:
        response = rest.post(f"{WALLETS}/{wid}/sync", json={}, headers=bearer(user.token))
        assert response.status_code == 503, response.text
        body = response.json()
        assert_mappr_error(body, code="PROVIDER_ERROR", status=503, details=True)
        assert body["error"] == "External service temporarily unavailable"
        assert body["details"]["provider"] == "zerion"
        assert 0 < body["details"]["retryAfter"] <= 60
        assert int(response.headers["retry-after"]) == body["details"]["retryAfter"]
    finally:
        async with db.transaction() as s:
            await s.execute(delete(ProviderCircuit))
    async with db.transaction() as s:
        job = (await s.execute(select(Wallet.sync_job_id).where(Wallet.id == wid))).scalar_one()
    assert job is None
