"""Wallet syncs end to end: the route queues a job, the worker fetches from the provider
sandbox (Zerion's API shape) and writes, the wallet and its lists show the result; the
progress stream sees it; the provider failing opens the circuit and the documented 503."""

from __future__ import annotations

import time
from typing import Any

from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, assert_mappr_error, bearer, call
from tests.rest.crypto.test_stream import stream

WALLETS = "/api/v1/crypto/wallets"
ADDRESS = "0xd8da6bf26964af9d7eed9e03e53415d37aa96045"
SYNC_KEYS = {"walletId", "jobId", "status", "estimatedCompletionTime", "syncTypes", "message"}


def wait_for_status(rest, token, wallet_id, *statuses: str, timeout: float = 60) -> dict[str, Any]:
    """Polls the wallet until its syncStatus is one of `statuses` (the worker runs the job)."""
    deadline = time.monotonic() + timeout
    while True:
        data = call(rest, "GET", f"{WALLETS}/{wallet_id}", 200, headers=bearer(token))["data"]
        if data["syncStatus"] in statuses:
            return data
        assert time.monotonic() < deadline, data
        time.sleep(0.1)


def add(rest, token, address=ADDRESS, network="ETHEREUM") -> str:
    body = {"name": "Main Wallet", "address": address, "network": network}
    return call(rest, "POST", WALLETS, 201, json=body, headers=bearer(token))["data"]["id"]


def transactions_total(rest, token, wallet_id) -> int:
    path = f"{WALLETS}/{wallet_id}/transactions?limit=1"
    return call(rest, "GET", path, 200, headers=bearer(token))["pagination"]["total"]


def test_adding_a_wallet_syncs_it_and_a_resync_duplicates_nothing(rest, knobs):
    user = sign_up(rest)
    wid = add(rest, user.token)
    wallet = wait_for_status(rest, user.token, wid, "completed", "failed")
    assert wallet["syncStatus"] == "completed", wallet
    assert RFC3339_Z.match(wallet["lastSyncAt"])
    assert wallet["assetCount"] == len(wallet["positions"]) >= 3
    symbols = {p["assetSymbol"] for p in wallet["positions"]}
    assert {"ETH", "USDC"} <= symbols
    for p in wallet["positions"]:
        assert isinstance(p["balance"], str) and float(p["balance"]) > 0
        assert round(p["balanceUsd"], 2) == p["balanceUsd"]
    # The balance counts tokens, the DeFi position's net value and the NFTs' floors.
    tokens = sum(p["balanceUsd"] for p in wallet["positions"])
    defi = call(rest, "GET", f"{WALLETS}/{wid}/defi", 200, headers=bearer(user.token))["data"]
    nfts = call(rest, "GET", f"{WALLETS}/{wid}/nfts", 200, headers=bearer(user.token))["data"]
    assert (
        abs(wallet["totalBalanceUsd"] - (tokens + defi["totalValue"] + nfts["totalValue"])) < 0.05
    )
    aave = next(p for p in defi["positions"] if p["protocol"] == "AAVE")
    assert (aave["protocol"], aave["type"]) == ("AAVE", "lending")
    assert aave["healthFactor"] > 0 and aave["borrowed"]["symbol"] == "USDC"
    assert len(nfts["collections"]) == 2
    assert transactions_total(rest, user.token, wid) == 300
    first = call(
        rest, "GET", f"{WALLETS}/{wid}/transactions?limit=1", 200, headers=bearer(user.token)
    )
    # The documented types, upper case (SWAP for a trade, TRANSFER for a send, …).
    assert first["data"][0]["type"].isupper()
    # New activity at the provider: an incremental sync adds it, a full one adds nothing more.
    knobs.zerion(address=ADDRESS, chain="ethereum", extra_transactions=3)
    for full in (False, True):
        body = {"syncTypes": ["transactions"], "fullSync": full}
        data = call(
            rest, "POST", f"{WALLETS}/{wid}/sync", 200, json=body, headers=bearer(user.token)
        )
        assert data["data"]["syncTypes"] == ["transactions"]
        wait_for_status(rest, user.token, wid, "completed")
        assert transactions_total(rest, user.token, wid) == 303


def test_sync_answers_the_documented_body_and_a_second_one_is_409(rest, knobs):
    user = sign_up(rest)
    wid = add(rest, user.token, address="0x" + "ab" * 20)
    wait_for_status(rest, user.token, wid, "completed", "failed")
    knobs.zerion(delay_ms=400)
    try:
        data = call(rest, "POST", f"{WALLETS}/{wid}/sync", 200, json={}, headers=bearer(user.token))
        body = data["data"]
        assert set(body) == SYNC_KEYS
        assert (body["walletId"], body["status"]) == (wid, "queued")
        assert body["jobId"] and RFC3339_Z.match(body["estimatedCompletionTime"])
        assert body["syncTypes"] == ["assets", "transactions", "nfts", "defi"]
        assert body["message"] == "Wallet sync queued successfully"
        error = call(
            rest, "POST", f"{WALLETS}/{wid}/sync", 409, json={}, headers=bearer(user.token)
        )
        assert_mappr_error(error, code="SYNC_IN_PROGRESS", status=409, details=False)
        assert error["error"] == "Sync already in progress for this wallet"
    finally:
        knobs.zerion(delay_ms=0)
    wait_for_status(rest, user.token, wid, "completed")


def test_a_sync_is_streamed_event_by_event(rest):
    user = sign_up(rest)
    with stream(rest, headers=bearer(user.token)) as events:
        assert next(events)["type"] == "connection_established"
        wid = add(rest, user.token, address="0x" + "cd" * 20, network="BASE")
        seen = []
        for event in events:
            seen.append(event)
            if event["type"] in ("completed", "failed"):
                break
    assert [e["type"] for e in seen] == [
        "sync_started",
        "progress",
        "progress",
        "progress",
        "completed",
    ]
    started, *progress, completed = seen
    assert (started["walletId"], started["walletName"]) == (wid, "Main Wallet")
    assert [(p["progress"], p["status"]) for p in progress] == [
        (25, "syncing_assets"),
        (50, "syncing_transactions"),
        (75, "syncing_nfts"),
    ]
    assert progress[0]["message"] == "Fetching asset positions..."
    assert set(completed) == {
        "type",
        "walletId",
        "totalAssets",
        "totalTransactions",
        "totalNfts",
        "timestamp",
    }
    assert completed["totalTransactions"] == 300 and completed["totalAssets"] >= 3


def test_the_provider_failing_opens_the_circuit_and_recovering_closes_it(rest, knobs):
    user = sign_up(rest)
    wid = add(rest, user.token, address="0x" + "ef" * 20, network="ARBITRUM")
    wait_for_status(rest, user.token, wid, "completed", "failed")
    knobs.zerion(unavailable=True)
    try:
        # Each failed sync (every call retried) counts once; the second opens the circuit.
        refused = None
        for _ in range(5):
            response = rest.post(f"{WALLETS}/{wid}/sync", json={}, headers=bearer(user.token))
            if response.status_code == 503:
                refused = response
                break
            assert response.status_code == 200, response.text
            wallet = wait_for_status(rest, user.token, wid, "failed")
        assert refused is not None, "the circuit never opened"
        body = refused.json()
        assert_mappr_error(body, code="PROVIDER_ERROR", status=503, details=True)
        assert body["details"]["provider"] == "zerion" and body["details"]["retryAfter"] >= 1
        assert wallet["syncStatus"] == "failed"
    finally:
        knobs.zerion(unavailable=False)
    # Once the open time has passed, the next sync goes through and closes the circuit.
    deadline = time.monotonic() + 30
    while (
        response := rest.post(f"{WALLETS}/{wid}/sync", json={}, headers=bearer(user.token))
    ).status_code == 503:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert response.status_code == 200, response.text
    assert (
        wait_for_status(rest, user.token, wid, "completed", "failed")["syncStatus"] == "completed"
    )


def test_a_wallet_deleted_during_its_sync_is_gone_for_good(rest, knobs):
    user = sign_up(rest)
    key_address = "0x" + "9a" * 20
    knobs.zerion(delay_ms=300)
    try:
        wid = add(rest, user.token, address=key_address)
        wait_for_status(rest, user.token, wid, "syncing", "completed", "failed")
        call(rest, "DELETE", f"{WALLETS}/{wid}", 204, headers=bearer(user.token))
    finally:
        knobs.zerion(delay_ms=0)
    call(rest, "GET", f"{WALLETS}/{wid}", 404, headers=bearer(user.token))
    # The sync that was under way stored nothing for it: the address can be added again and
    # starts from nothing.
    again = add(rest, user.token, address=key_address)
    assert again != wid
    wallet = wait_for_status(rest, user.token, again, "completed")
    assert transactions_total(rest, user.token, again) == 300
    assert wallet["assetCount"] == len(wallet["positions"])
