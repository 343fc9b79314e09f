"""Internal authentication: service principals made by the command, their client-credentials
exchange, revocation, and who may reach the gateway's routes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from server.gateway import principals
from tests.conftest import ROOT
from tests.factories.auth import sign_up
from tests.rest.client import assert_mappr_error, bearer, call
from tests.rest.gateway.conftest import make_service

ROUTES = [
    ("GET", "/api/v1/banking/integrations", None),
    ("POST", "/api/v1/banking/integrations", {"name": "x", "type": "ACH", "config": {}}),
    ("POST", "/api/v1/banking/integrations/authenticate", {}),
    ("POST", "/api/v1/banking/transactions", {"account_mappings": {"x": ["1"]}}),
    (
        "POST",
        "/api/v1/banking/payments",
        {
            "amount": 1,
            "currency": "USD",
            "from_account": "a",
            "to_account": "b",
            "description": "d",
        },
    ),
    ("POST", "/api/v1/banking/payments/status", {"transaction_mappings": {"x": ["1"]}}),
]


def _command(stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.gateway.service_token", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": stack.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_prints_credentials_once_that_exchange_for_a_token(rest, stack):
    name = f"cli-{uuid.uuid4().hex[:10]}"
    run = _command(stack, "create", name)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(":", 1) for line in run.stdout.splitlines() if ":" in line)
    client_id, secret = lines["client_id"].strip(), lines["client_secret"].strip()
    body = call(
        rest,
        "POST",
        "/api/v1/gateway/token",
        200,
        json={"client_id": client_id, "client_secret": secret},
    )
    assert set(body) == {"success", "access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and 60 <= body["expires_in"] <= 3600
    call(rest, "GET", "/api/v1/banking/integrations", 200, headers=bearer(body["access_token"]))
    again = _command(stack, "create", name)
    assert again.returncode == 1 and "exists" in again.stderr


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
async def test_wrong_credentials_are_401(rest, db, field):
    made = await principals.create(db, f"wrong-{uuid.uuid4().hex[:10]}")
    body = {"client_id": made.client_id, "client_secret": made.client_secret, field: "nope"}
    answer = call(rest, "POST", "/api/v1/gateway/token", 401, json=body)
    assert_mappr_error(answer, code="INVALID_CREDENTIALS", status=401)


async def test_a_revoked_principal_is_refused_at_once(rest, db):
    service = await make_service(rest, db)
    call(rest, "GET", "/api/v1/banking/integrations", 200, headers=service.headers)
    assert await principals.revoke(db, service.name)
    stale = call(rest, "GET", "/api/v1/banking/integrations", 401, headers=service.headers)
    assert_mappr_error(stale, code="UNAUTHORIZED", status=401)
    exchange = {"client_id": service.client_id, "client_secret": service.client_secret}
    call(rest, "POST", "/api/v1/gateway/token", 401, json=exchange)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_plain_user_gets_403(rest, method, path, body):
    user = sign_up(rest)
    answer = call(rest, method, path, 403, json=body, headers=bearer(user.token))
    assert_mappr_error(answer, code="FORBIDDEN", status=403)


async def test_a_service_principal_reaches_nothing_but_internal_routes(rest, db, service):
    for path in ("/api/v1/auth/me", "/api/v1/budgets", "/api/v1/crypto/wallets"):
        answer = call(rest, "GET", path, 403, headers=service.headers)
        assert_mappr_error(answer, code="FORBIDDEN", status=403)


async def test_a_service_principal_cannot_sign_in(rest, db):
    made = await principals.create(db, f"nosignin-{uuid.uuid4().hex[:10]}")
    email = f"{made.name.lower()}@{principals.EMAIL_DOMAIN}"
    for password in (made.client_secret, "SecurePassword123!"):
        call(rest, "POST", "/api/v1/auth/sign-in", 401, json={"email": email, "password": password})


def test_health_is_public(rest):
    body = call(rest, "GET", "/api/v1/banking/health", 200)
    assert set(body) == {"success", "overall_health", "integrations", "timestamp"}
