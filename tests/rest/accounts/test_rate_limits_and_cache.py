"""Seed 003's token buckets and seed 000's cache keys, on the rate-limit stacks.

The stacks (tests/conftest.py RATE_ENV) run API_READ = 3 tokens, 3 back per hour, and
PROVIDER_SYNC = 2 tokens, 1 back per hour, and cache reads for an hour (CACHE_TTL_SECONDS), so
no token comes back and no entry expires during a test. Users and rows are made through the
session stack and the `db` fixture (same database).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import coredis
import grpc
import httpx
import pytest

from fingate.accounts.v1 import account_service_pb2 as pb
from fingate.accounts.v1 import account_service_pb2_grpc
from tests.factories.auth import sign_up
from tests.factories.banking import insert_account, insert_connection
from tests.factories.organizations import personal_org_id
from tests.rest.accounts.helpers import assert_problem, cached_then_fresh
from tests.rest.client import bearer

HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
READ_TOKEN_S = 3600 / 3  # API_READ: one token back per 20 minutes
SYNC_TOKEN_S = 3600 / 1


def limits(response: httpx.Response) -> tuple[int, int, int]:
    return tuple(int(response.headers[h]) for h in HEADERS)  # type: ignore[return-value]


@contextmanager
def client(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.rest_url, timeout=30) as c:
        yield c


@pytest.fixture
def user(rest):
    u = sign_up(rest)
    return u, personal_org_id(rest, u.token)


def test_api_read_is_a_token_bucket_with_headers_and_a_429_problem(rate_stack, user):
    u, _ = user
    with client(rate_stack) as c:
        paths = ["/api/v1/accounts", f"/api/v1/accounts/{uuid.uuid4()}", "/api/v1/accounts"]
        responses = [c.get(p, headers=bearer(u.token)) for p in paths]
        refused = c.get("/api/v1/accounts", headers=bearer(u.token))
    # Every read route draws on the one bucket, answered or not (the 404 counts too).
    assert [r.status_code for r in responses] == [200, 404, 200]
    assert [limits(r)[:2] for r in responses] == [(3, 2), (3, 1), (3, 0)]
    now = time.time()
    # Reset: when the bucket is full again (3 tokens at one per 20 minutes).
    reset = limits(responses[-1])[2]
    assert now + 3 * READ_TOKEN_S - 5 <= reset <= now + 3 * READ_TOKEN_S + 5
    problem = assert_problem(refused, 429)
    assert problem["title"] == "Too Many Requests"
    assert limits(refused)[:2] == (3, 0)
    # Retry-After: until the next token, not until the bucket is full.
    assert READ_TOKEN_S - 5 <= int(refused.headers["retry-after"]) <= READ_TOKEN_S + 1


def test_two_users_have_their_own_read_buckets(rate_stack, rest):
    alice, bob = sign_up(rest), sign_up(rest)
    with client(rate_stack) as c:
        for _ in range(3):
            assert c.get("/api/v1/accounts", headers=bearer(alice.token)).status_code == 200
        assert_problem(c.get("/api/v1/accounts", headers=bearer(alice.token)), 429)
        response = c.get("/api/v1/accounts", headers=bearer(bob.token))
    assert response.status_code == 200 and limits(response)[:2] == (3, 2)


async def test_provider_sync_is_counted_per_user_and_provider(rate_stack, db, user):
    u, org = user
    plaid = await insert_connection(db, org, u.user["id"], status="DISCONNECTED")
    teller = await insert_connection(
        db, org, u.user["id"], provider="TELLER", status="DISCONNECTED"
    )
    with client(rate_stack) as c:

        def sync(cid: uuid.UUID) -> httpx.Response:
            return c.post(
                "/api/v1/accounts/syncs", json={"connection_id": str(cid)}, headers=bearer(u.token)
            )

        first, second = sync(plaid), sync(plaid)
        refused = sync(plaid)
        other = sync(teller)
    # The attempts reached the status check (400) and carried the bucket's headers.
    assert_problem(first, 400)
    assert_problem(second, 400)
    assert [limits(r)[:2] for r in (first, second)] == [(2, 1), (2, 0)]
    assert_problem(refused, 429)
    assert SYNC_TOKEN_S - 5 <= int(refused.headers["retry-after"]) <= SYNC_TOKEN_S + 1
    # Teller's bucket is another one.
    assert_problem(other, 400)
    assert limits(other)[:2] == (2, 1)


async def test_cached_reads_until_a_route_changes_the_connection(rate_stack, db, user):
    u, org = user
    with client(rate_stack) as c:
        # A write the cache does not see is served from `user:{id}:accounts` until the TTL, or
        # until a route changes the connection.
        first, cached, fresh = await cached_then_fresh(c, db, u.token, org, u.user["id"])
    assert first["total_balance_by_currency"] == {"USD": "10.00"}
    assert cached == first
    assert fresh["total_balance_by_currency"] == {"USD": "20.00"}


@contextmanager
def accounts_stub(target: str) -> Iterator[account_service_pb2_grpc.AccountServiceStub]:
    with grpc.insecure_channel(target) as ch:
        yield account_service_pb2_grpc.AccountServiceStub(ch)


async def test_buckets_and_cache_keys_live_in_redis(rate_redis_stacks, redis_for_tests, db, user):
    first, second = rate_redis_stacks
    url, prefix = redis_for_tests
    u, org = user
    uid = u.user["id"]
    cid = await insert_connection(db, org, uid)
    await insert_account(db, org, cid)
    redis: coredis.Redis[str] = coredis.Redis.from_url(url, decode_responses=True)
    with client(first) as c:
        assert c.get("/api/v1/accounts", headers=bearer(u.token)).status_code == 200
        with accounts_stub(second.grpc_target) as two:
            call = two.ListAccounts.with_call(
                pb.ListAccountsRequest(), metadata=[("authorization", f"Bearer {u.token}")]
            )
            trailing = dict(call[1].initial_metadata())
        # The second process drew from the same bucket.
        assert trailing["x-ratelimit-remaining"] == "1"
        assert await redis.exists([f"{prefix}:bucket:API_READ/user:{uid}"]) == 1
        accounts_key = f"{prefix}:user:{uid}:accounts"
        assert set(await redis.hkeys(accounts_key)) == {f"{org}|all|0|"}
        assert 0 < await redis.ttl(accounts_key) <= 3600
        # Connection reads (GENERAL class: 3 per hour here) fill their documented keys.
        assert (
            c.get(f"/api/v1/banking/connections/{cid}", headers=bearer(u.token)).status_code == 200
        )
        assert c.get("/api/v1/banking/connections", headers=bearer(u.token)).status_code == 200
        keys = [f"{prefix}:connectionId:{cid}", f"{prefix}:user:{uid}:connections", accounts_key]
        assert await redis.exists(keys) == 3
        path = f"/api/v1/banking/connections/{cid}/disconnect"
        assert c.post(path, json={}, headers=bearer(u.token)).status_code == 200
        # The three documented keys are gone.
        assert await redis.exists(keys) == 0
        got = c.get(f"/api/v1/banking/connections/{cid}", headers=bearer(u.token))
        assert got.json()["data"]["status"] == "DISCONNECTED"


async def test_redis_down_reads_through_and_passes_unlimited(rate_redis_down_stack, db, user):
    u, org = user
    cid = await insert_connection(db, org, u.user["id"])
    await insert_account(db, org, cid)
    metadata = [("authorization", f"Bearer {u.token}")]
    with accounts_stub(rate_redis_down_stack.grpc_target) as stub:
        for _ in range(5):  # past API_READ's 3: nothing counts while the store is down
            reply, call = stub.ListAccounts.with_call(pb.ListAccountsRequest(), metadata=metadata)
            assert reply.total_count == 1
            assert not set(HEADERS) & {k for k, _ in call.initial_metadata()}
    log = rate_redis_down_stack.server_log()
    assert "rate-limit store unreachable" in log
    assert "cache store unreachable" in log
