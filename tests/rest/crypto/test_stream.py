"""The sync progress stream (seed 004 "Real-time Sync Progress (SSE)") through Envoy: events
arrive one `data:` line at a time while the stream is open, only the caller's organization's,
and an EventSource can authenticate with `?access_token=`."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from server.crypto import events
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id
from tests.rest.client import RFC3339_Z, assert_mappr_error, bearer

STREAM = "/api/v1/crypto/user/sync/stream"


@contextmanager
def stream(rest, *, headers=None, query="", heartbeats=False) -> Iterator[Iterator[dict[str, Any]]]:
    """The stream's events, one at a time as they arrive; heartbeats only when asked for."""
    with rest.stream("GET", STREAM + query, headers=headers or {}, timeout=20) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")

        def read() -> Iterator[dict[str, Any]]:
            for line in response.iter_lines():
                if line:
                    assert line.startswith("data: "), line
                    event = json.loads(line.removeprefix("data: "))
                    if event["type"] != "heartbeat" or heartbeats:
                        yield event

        yield read()


async def test_events_arrive_in_order_for_the_callers_organization_only(rest, db):
    user, other = sign_up(rest), sign_up(rest)
    org = uuid.UUID(personal_org_id(rest, user.token))
    other_org = uuid.UUID(personal_org_id(rest, other.token))
    wallet = str(uuid.uuid4())
    sent = [
        {
            "type": "sync_started",
            "walletId": wallet,
            "walletName": "Main Wallet",
            "timestamp": events.now(),
        },
        {
            "type": "progress",
            "walletId": wallet,
            "progress": 25,
            "status": "syncing_assets",
            "message": "Fetching asset positions...",
        },
        {
            "type": "completed",
            "walletId": wallet,
            "totalAssets": 12,
            "totalTransactions": 234,
            "totalNfts": 5,
            "timestamp": events.now(),
        },
    ]
    with stream(rest, headers=bearer(user.token)) as received:
        first = next(received)
        assert set(first) == {"type", "timestamp"}
        assert first["type"] == "connection_established" and RFC3339_Z.match(first["timestamp"])
        await events.publish(db, other_org, {"type": "sync_started", "walletId": "not yours"})
        for event in sent:
            await events.publish(db, org, event)
        assert [next(received) for _ in sent] == sent


async def test_an_event_source_passes_its_token_in_the_query(rest, db):
    user = sign_up(rest)
    org = uuid.UUID(personal_org_id(rest, user.token))
    with stream(rest, query=f"?access_token={user.token}") as received:
        assert next(received)["type"] == "connection_established"
        await events.publish(db, org, {"type": "failed", "walletId": "w", "error": "x"})
        assert next(received)["type"] == "failed"
    for query in ("", "?access_token=not-a-token"):
        response = rest.get(STREAM + query)
        assert response.status_code == 401, response.text
        assert_mappr_error(response.json(), code="UNAUTHORIZED", status=401)


def test_a_user_holds_at_most_five_streams(rest):
    user = sign_up(rest)
    with (
        stream(rest, headers=bearer(user.token)) as a,
        stream(rest, headers=bearer(user.token)) as b,
        stream(rest, headers=bearer(user.token)) as c,
        stream(rest, headers=bearer(user.token)) as d,
        stream(rest, headers=bearer(user.token)) as e,
    ):
        for s in (a, b, c, d, e):
            assert next(s)["type"] == "connection_established"
        response = rest.get(STREAM, headers=bearer(user.token))
        assert response.status_code == 429, response.text
        assert_mappr_error(response.json(), code="RATE_LIMIT_EXCEEDED", status=429)
    # Closed streams free their places, once the server has seen the clients go.
    deadline = time.monotonic() + 10
    while True:
        with rest.stream("GET", STREAM, headers=bearer(user.token), timeout=5) as response:
            if response.status_code == 200:
                break
            assert response.status_code == 429
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_quiet_stream_sends_heartbeats(rest):
    # The test stack beats every second (STREAM_HEARTBEAT_SECONDS=1; 15 by default).
    user = sign_up(rest)
    with stream(rest, headers=bearer(user.token), heartbeats=True) as received:
        assert next(received)["type"] == "connection_established"
        beat = next(received)
        assert set(beat) == {"type", "timestamp"} and beat["type"] == "heartbeat"
        assert RFC3339_Z.match(beat["timestamp"])
        assert next(received)["type"] == "heartbeat"
