"""Sync progress reaches streams held by any server process: a second server and Envoy on the
session's database hold one stream, the session's own another, and the one worker's sync
shows on both (PostgreSQL LISTEN/NOTIFY, not process memory)."""

from __future__ import annotations

import httpx
import pytest

from server.dev.devstack.stack import Stack
from tests.conftest import VAR, shifted_ports
from tests.factories.auth import sign_up
from tests.rest.client import bearer, call
from tests.rest.crypto.test_stream import stream

PEER_PORTS = shifted_ports(http=28190, grpc=25190, admin=29990, smtp=21190)


@pytest.fixture(scope="module")
def peer_rest(stack):
    with (
        Stack(
            ports=PEER_PORTS,
            var_dir=VAR / "crypto-peer",
            database_url=stack.database_url,
            run_migrations=False,
            smtp=False,
            sandbox=False,
            worker=False,
            env={"JWT_SECRET": stack.env["JWT_SECRET"]},
            app_env="test",
        ) as running,
        httpx.Client(base_url=running.rest_url, timeout=30) as client,
    ):
        yield client


def _until_done(events):
    seen = []
    for event in events:
        if event["type"] != "heartbeat":
            seen.append(event)
        if event["type"] in ("completed", "failed"):
            return seen
    raise AssertionError(seen)


def test_a_sync_shows_on_streams_of_both_server_processes(rest, peer_rest):
    user = sign_up(rest)
    with (
        stream(rest, headers=bearer(user.token)) as here,
        stream(peer_rest, headers=bearer(user.token)) as there,
    ):
        assert next(here)["type"] == next(there)["type"] == "connection_established"
        body = {"name": "Shared", "address": "0x" + "12" * 20, "network": "OPTIMISM"}
        wid = call(
            rest, "POST", "/api/v1/crypto/wallets", 201, json=body, headers=bearer(user.token)
        )["data"]["id"]
        mine, theirs = _until_done(here), _until_done(there)
    assert mine == theirs
    assert [e["type"] for e in mine] == [
        "sync_started",
        "progress",
        "progress",
        "progress",
        "completed",
    ]
    assert {e["walletId"] for e in mine} == {wid}
