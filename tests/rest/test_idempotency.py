"""Idempotency-Key (DESIGN.md "Idempotency") through Envoy, on the RPCs the contract marks:
Teller connect, integration connect and subscribe. A retry with the same key answers the first
result without running again; server/platform/interceptors/idempotency.py is the one place of the
rule."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from server.platform.db.database import Database
from tests.factories.auth import sign_up
from tests.factories.organizations import create_org, personal_org_id
from tests.rest.banking.sandbox import enrollment, plaid_public_token, teller_token
from tests.rest.client import assert_mappr_error, bearer, call

CONNECT = "/api/v1/banking/connect"
REPLAYED = "idempotent-replayed"


def _key() -> str:
    return f"key-{uuid.uuid4()}"


def _connect(
    rest: httpx.Client, token: str, body: dict[str, Any], key: str | None, path: str = CONNECT
) -> httpx.Response:
    headers = bearer(token)
    if key is not None:
        headers["Idempotency-Key"] = key
    return rest.post(path, json=body, headers=headers)


def _teller_body(rest: httpx.Client, token: str, *, take: int = 1) -> dict[str, Any]:
    """A connect body for a fresh Teller enrollment, selecting `take` of its accounts."""
    enr = enrollment(teller_token())
    offered = call(
        rest,
        "POST",
        "/api/v1/banking/preview",
        200,
        json={"enrollment": enr},
        headers=bearer(token),
    )["data"]["accounts"]
    return {"enrollment": enr, "selectedAccountIds": sorted(a["id"] for a in offered)[:take]}


async def _links(db: Database, org_id: str) -> int:
    """How many times a link ran in the organization (each writes one audit row)."""
    async with db.transaction() as s:
        found = await s.scalar(
            text(
                "SELECT count(*) FROM audit_log"
                " WHERE action = 'bank_connection.link' AND organization_id = :o"
            ),
            {"o": uuid.UUID(org_id)},
        )
    return int(found)


async def _connections(db: Database, org_id: str) -> int:
    async with db.transaction() as s:
        found = await s.scalar(
            text("SELECT count(*) FROM bank_connections WHERE organization_id = :o"),
            {"o": uuid.UUID(org_id)},
        )
    return int(found)


async def test_teller_connect__retry_with_the_key_answers_the_first_201_and_links_once(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body, key = _teller_body(rest, user.token), _key()
    first = _connect(rest, user.token, body, key)
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers
    again = _connect(rest, user.token, body, key)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers[REPLAYED] == "true"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert (await _connections(db, org), await _links(db, org)) == (1, 1)


async def test_teller_connect__the_key_with_another_request_is_409(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body, key = _teller_body(rest, user.token, take=2), _key()
    assert _connect(rest, user.token, body, key).status_code == 201
    other = {**body, "selectedAccountIds": body["selectedAccountIds"][:1]}
    refused = _connect(rest, user.token, other, key)
    assert refused.status_code == 409, refused.text
    assert_mappr_error(refused.json(), code="CONFLICT", status=409)
    assert "different request" in refused.json()["error"]
    assert await _links(db, org) == 1


async def test_teller_connect__without_a_key_every_call_runs(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body = _teller_body(rest, user.token)
    first = _connect(rest, user.token, body, None)
    second = _connect(rest, user.token, body, None)
    assert (first.status_code, second.status_code) == (201, 201)
    assert REPLAYED not in second.headers
    # Today's behaviour: the same enrollment again reuses its connection, but links again.
    assert [a["id"] for a in second.json()["data"]] == [a["id"] for a in first.json()["data"]]
    assert (await _connections(db, org), await _links(db, org)) == (1, 2)


async def test_invalid_key__400_naming_the_header(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body = _teller_body(rest, user.token)
    for bad in ("k" * 256, "tab\there", ""):
        refused = _connect(rest, user.token, body, bad)
        assert refused.status_code == 400, (bad, refused.text)
        found = refused.json()
        assert_mappr_error(found, code="INVALID_INPUT", status=400, details=True)
        assert [e["field"] for e in found["details"]["errors"]] == ["Idempotency-Key"]
    assert _connect(rest, user.token, body, "k" * 255).status_code == 201
    assert await _links(db, org) == 1


async def test_a_failed_first_call_is_not_remembered(rest, db, knobs):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    key = _key()
    refused = _connect(rest, user.token, {"enrollment": enrollment("live_token_x")}, key)
    assert refused.status_code == 400, refused.text
    body = _teller_body(rest, user.token)
    # Teller down on the first try: 503; the retry with the same key and body runs.
    knobs.teller(body["enrollment"]["accessToken"], server_errors=1)
    down = _connect(rest, user.token, body, key)
    assert down.status_code == 503, down.text
    retried = _connect(rest, user.token, body, key)
    assert retried.status_code == 201, retried.text
    assert REPLAYED not in retried.headers
    assert await _links(db, org) == 1


async def test_the_key_while_the_first_call_runs_is_409_then_replays(rest, db, knobs):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body, key = _teller_body(rest, user.token), _key()
    knobs.teller(body["enrollment"]["accessToken"], delay_ms=1500)
    answers: list[httpx.Response] = []
    first = threading.Thread(target=lambda: answers.append(_connect(rest, user.token, body, key)))
    first.start()
    await _claimed(db, key)
    busy = _connect(rest, user.token, body, key)
    first.join()
    assert busy.status_code == 409, busy.text
    assert_mappr_error(busy.json(), code="CONFLICT", status=409)
    assert busy.json()["error"] == "A request with this Idempotency-Key is still in progress"
    (done,) = answers
    assert done.status_code == 201, done.text
    knobs.teller(body["enrollment"]["accessToken"], delay_ms=0)
    assert _connect(rest, user.token, body, key).json() == done.json()
    assert await _links(db, org) == 1


async def test_keys_are_per_user_and_per_organization(rest, db):
    alice, bob = sign_up(rest), sign_up(rest)
    key = _key()
    mine = _connect(rest, alice.token, _teller_body(rest, alice.token), key)
    theirs = _connect(rest, bob.token, _teller_body(rest, bob.token), key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED not in theirs.headers
    assert mine.json()["data"][0]["id"] != theirs.json()["data"][0]["id"]
    assert await _links(db, personal_org_id(rest, bob.token)) == 1
    # The same user and key in another organization is another scope.
    team = create_org(rest, alice.token)["id"]
    path = f"/api/v1/organizations/{team}/banking/connect"
    there = _connect(rest, alice.token, _teller_body(rest, alice.token), key, path)
    assert there.status_code == 201, there.text
    assert REPLAYED not in there.headers
    assert await _links(db, team) == 1


async def test_an_expired_or_abandoned_key_runs_again(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body, key = _teller_body(rest, user.token), _key()
    assert _connect(rest, user.token, body, key).status_code == 201
    await _age_key(db, key, dt.timedelta(hours=25))
    again = _connect(rest, user.token, body, key)
    assert again.status_code == 201 and REPLAYED not in again.headers
    # A process that died mid-call left its claim in progress: after 5 minutes a retry runs.
    await _age_key(db, key, dt.timedelta(minutes=6), in_progress=True)
    assert _connect(rest, user.token, body, key).status_code == 201
    assert await _links(db, org) == 3


async def _claimed(db: Database, key: str, *, within_s: float = 10) -> None:
    """Waits until a call holds the key, in progress."""
    deadline = time.monotonic() + within_s
    while True:
        async with db.transaction() as s:
            held = await s.scalar(
                text("SELECT count(*) FROM idempotency_keys WHERE key = :k AND response IS NULL"),
                {"k": key},
            )
        if held:
            return
        assert time.monotonic() < deadline, f"no call claimed {key}"
        await asyncio.sleep(0.05)


async def _age_key(db: Database, key: str, age: dt.timedelta, *, in_progress: bool = False) -> None:
    """Moves a key's claim into the past, as if made `age` ago (and never completed)."""
    undone = ", response = NULL" if in_progress else ""
    async with db.transaction() as s:
        await s.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - CAST(:age AS interval)"
                f"{undone} WHERE key = :k"
            ),
            {"age": age, "k": key},
        )


async def test_plaid_connect__retry_replays_although_the_public_token_is_spent(rest, db, stack):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    body, key = {"code": plaid_public_token(stack.sandbox_url, accounts=["checking"])}, _key()
    path = "/api/v1/integrations/PLAID/connect"
    first = _connect(rest, user.token, body, key, path)
    assert first.status_code == 201, first.text
    again = _connect(rest, user.token, body, key, path)
    assert (again.status_code, again.json()) == (201, first.json())
    # Without the key the retry reaches Plaid, which took the one-time token already.
    assert _connect(rest, user.token, body, None, path).status_code == 400
    assert await _links(db, org) == 1


def test_subscribe__retry_with_the_key_is_the_first_201_not_already_subscribed(rest):
    user = sign_up(rest)
    body, key = {"planId": "plan_pro", "paymentMethodId": "pm_card_visa"}, _key()
    path = "/api/v1/subscriptions/subscribe"
    first = _connect(rest, user.token, body, key, path)
    assert first.status_code == 201, first.text
    again = _connect(rest, user.token, body, key, path)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers[REPLAYED] == "true"
    without = _connect(rest, user.token, body, None, path)
    assert without.status_code == 409, without.text
    assert without.json()["error"] == "Already subscribed to this plan"
