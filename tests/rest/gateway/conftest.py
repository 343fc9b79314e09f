"""Callers of the gateway: an ADMIN user, a service principal, and integrations registered on
the provider sandbox's rails under names unique to each test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text

from server.gateway import principals
from server.platform.config import SANDBOX_PLAID_CLIENT_ID, SANDBOX_PLAID_SECRET
from tests.factories.auth import sign_in
from tests.rest.client import bearer, call

RAIL_KEY = "sk_rail_test_fingate"


@pytest.fixture(autouse=True)
async def fresh_registry(db):
    """The registry is system-wide and the test database outlives runs: earlier tests'
    integrations are set aside, so "every integration" means this test's."""
    async with db.transaction() as s:
        await s.execute(text("UPDATE gateway_integrations SET status = 'INACTIVE'"))


@pytest.fixture(scope="session")
def admin_headers(rest, admin_credentials) -> dict[str, str]:
    body = sign_in(rest, admin_credentials["email"], admin_credentials["password"])
    return bearer(body["data"]["session"]["token"])


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    client_id: str
    client_secret: str
    headers: dict[str, str]


async def make_service(rest, db) -> Service:
    made = await principals.create(db, f"svc-{uuid.uuid4().hex[:10]}")
    body = call(
        rest,
        "POST",
        "/api/v1/gateway/token",
        200,
        json={
            "grant_type": "client_credentials",
            "client_id": made.client_id,
            "client_secret": made.client_secret,
        },
    )
    return Service(made.name, made.client_id, made.client_secret, bearer(body["access_token"]))


@pytest.fixture
async def service(rest, db) -> Service:
    return await make_service(rest, db)


def config_for(kind: str, sandbox_url: str) -> dict[str, str]:
    # A fresh originator per integration: each has its own circuit breaker, as in production.
    if kind == "ACH":
        return {
            "api_key": RAIL_KEY,
            "originator_id": str(uuid.uuid4().int)[:10],
            "api_base": f"{sandbox_url}/ach",
        }
    if kind == "SWIFT":
        bic = "FNGT" + "".join(chr(65 + b % 26) for b in uuid.uuid4().bytes[:4])
        return {"api_key": RAIL_KEY, "bic": bic, "api_base": f"{sandbox_url}/swift"}
    if kind == "PLAID":
        return {
            "client_id": SANDBOX_PLAID_CLIENT_ID,
            "secret": SANDBOX_PLAID_SECRET,
            "api_base": f"{sandbox_url}/plaid",
        }
    return {"application_id": "app_fingate", "api_base": f"{sandbox_url}/teller"}


def register(rest, headers, stack, kind: str, name: str | None = None, **config: str) -> str:
    name = name or f"{kind.title()}_{uuid.uuid4().hex[:8]}"
    call(
        rest,
        "POST",
        "/api/v1/banking/integrations",
        201,
        json={
            "name": name,
            "type": kind,
            "config": {**config_for(kind, stack.sandbox_url), **config},
        },
        headers=headers,
    )
    return name


def rail_account(stack, rail: str, customer: str | None = None) -> str:
    """An account the sandbox's rail issued (to a fresh customer, whose balance nobody else
    spends)."""
    customer = customer or f"cust-{uuid.uuid4().hex[:12]}"
    response = httpx.get(
        f"{stack.sandbox_url}/{rail}/v1/customers/{customer}/accounts",
        headers={"Authorization": f"Bearer {RAIL_KEY}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["account_id"])


@pytest.fixture
def ach_account(stack) -> str:
    return rail_account(stack, "ach")
