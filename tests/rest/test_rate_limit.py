"""Rate limits through Envoy (seed 004 "Rate Limiting"): headers, 429, keys, trusted networks.

The stacks (tests/conftest.py) run with GENERAL = FREE 3 / PRO 5 / ULTIMATE 7 per hour, AUTH =
3 per hour per client address, 127.0.0.128/25 trusted. Users are made on the session stack, which
shares the database and JWT secret. Each test speaks from its own loopback address (Linux routes
all of 127.0.0.0/8 to lo), so per-address counters never meet across tests.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import update

from server.auth.models import User
from tests.factories.auth import PASSWORD, sign_up, unique_email
from tests.rest.client import assert_mappr_error, bearer

HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
HOUR = 3600


def client_from(stack, address: str) -> httpx.Client:
    """A REST client whose connections leave from `address` (a loopback address)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=stack.rest_url, transport=transport, timeout=30)


def me(client: httpx.Client, token: str, **headers: str) -> httpx.Response:
    return client.get("/api/v1/auth/me", headers={**bearer(token), **headers})


def sign_in(client: httpx.Client, email: str, **headers: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD}
    return client.post("/api/v1/auth/sign-in", json=body, headers=headers)


def limit_headers(response: httpx.Response) -> tuple[int, int, int]:
    return tuple(int(response.headers[name]) for name in HEADERS)  # type: ignore[return-value]


def assert_429(response: httpx.Response, *, limit: int) -> None:
    """The documented 429: envelope, details {retryAfter, limitReset}, every header."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert_mappr_error(body, code="RATE_LIMIT_EXCEEDED", status=429, details=True)
    assert body["error"] == "Too many requests"
    assert set(body["details"]) == {"retryAfter", "limitReset"}
    retry_after, limit_reset = body["details"]["retryAfter"], body["details"]["limitReset"]
    assert isinstance(retry_after, int) and isinstance(limit_reset, int)
    assert limit_headers(response) == (limit, 0, limit_reset)
    assert int(response.headers["retry-after"]) == retry_after
    assert 1 <= retry_after <= HOUR
    now = time.time()
    assert now < limit_reset <= now + HOUR + 1


def test_a_200_carries_the_three_headers(rate_stack, rest):
    user = sign_up(rest)
    with client_from(rate_stack, "127.0.0.2") as client:
        response = me(client, user.token)
    assert response.status_code == 200, response.text
    limit, remaining, reset = limit_headers(response)
    assert (limit, remaining) == (3, 2)
    assert time.time() < reset <= time.time() + HOUR + 1
    assert "retry-after" not in response.headers


def test_the_call_past_the_limit_is_429_with_every_header(rate_stack, rest):
    user = sign_up(rest)
    with client_from(rate_stack, "127.0.0.3") as client:
        remaining = [limit_headers(me(client, user.token))[1] for _ in range(3)]
        assert remaining == [2, 1, 0]
        first, second = me(client, user.token), me(client, user.token)
    assert_429(first, limit=3)
    assert_429(second, limit=3)
    # The window does not move while refused: the same reset on every 429.
    assert first.json()["details"]["limitReset"] == second.json()["details"]["limitReset"]


def test_two_users_do_not_share_counters(rate_stack, rest):
    alice, bob = sign_up(rest), sign_up(rest)
    with client_from(rate_stack, "127.0.0.4") as client:
        for _ in range(3):
            assert me(client, alice.token).status_code == 200
        assert_429(me(client, alice.token), limit=3)
        response = me(client, bob.token)
    assert response.status_code == 200
    assert limit_headers(response)[:2] == (3, 2)


async def test_the_plan_read_on_each_call_sets_the_allowance(rate_stack, rest, db):
    user = sign_up(rest)
    with client_from(rate_stack, "127.0.0.5") as client:
        assert limit_headers(me(client, user.token))[:2] == (3, 2)
        async with db.transaction() as s:
            await s.execute(
                update(User).where(User.id == uuid.UUID(user.user["id"])).values(current_plan="PRO")
            )
        assert limit_headers(me(client, user.token))[:2] == (5, 4)


def test_sign_in_is_limited_per_client_address(rate_stack, rest):
    user = sign_up(rest)
    with client_from(rate_stack, "127.0.0.6") as client:
        responses = [sign_in(client, user.email) for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert [limit_headers(r)[:2] for r in responses] == [(3, 2), (3, 1), (3, 0)]
        assert_429(sign_in(client, user.email), limit=3)
        # Wrong passwords count the same: this is the brute-force guard.
        wrong = client.post(
            "/api/v1/auth/sign-in", json={"email": unique_email(), "password": "Wrong123!x"}
        )
        assert_429(wrong, limit=3)
    with client_from(rate_stack, "127.0.0.7") as other:
        response = sign_in(other, user.email)
    assert response.status_code == 200
    assert limit_headers(response)[:2] == (3, 2)


@pytest.mark.parametrize(
    ("address", "spoof"),
    [
        ("127.0.0.10", {"x-envoy-external-address": "10.20.30.{}"}),
        ("127.0.0.11", {"x-forwarded-for": "10.20.30.{}"}),
        ("127.0.0.12", {"x-real-ip": "10.20.30.{}"}),
        ("127.0.0.13", {"x-envoy-external-address": "127.0.0.200", "x-forwarded-for": "::1"}),
    ],
    ids=["external-address", "forwarded-for", "real-ip", "trusted-address"],
)
def test_a_client_cannot_choose_its_address_through_envoy(rate_stack, address, spoof):
    # Every request claims another (or a trusted) address; all count for the real one.
    with client_from(rate_stack, address) as client:
        statuses = []
        for i in range(4):
            headers = {name: value.format(i + 1) for name, value in spoof.items()}
            statuses.append(sign_in(client, unique_email(), **headers).status_code)
    assert statuses == [401, 401, 401, 429]


def test_a_trusted_network_skips_the_address_limit_not_the_user_limit(rate_stack, rest):
    user = sign_up(rest)
    with client_from(rate_stack, "127.0.0.200") as client:
        for _ in range(5):
            response = sign_in(client, user.email)
            assert response.status_code == 200, response.text
            assert not set(HEADERS) & set(response.headers)
        token = response.json()["data"]["session"]["token"]
        for _ in range(3):
            assert me(client, token).status_code == 200
        assert_429(me(client, token), limit=3)


def test_unlimited_routes_carry_no_headers(rate_stack):
    with client_from(rate_stack, "127.0.0.8") as client:
        responses = [client.get("/health") for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert not any(set(HEADERS) & set(r.headers) for r in responses)
