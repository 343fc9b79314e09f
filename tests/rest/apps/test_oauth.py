"""Seed 002 "OAuth Endpoints": authorize → the sandbox provider → callback, and refresh, through
Envoy against the provider sandbox."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from server.platform.config import DEV_ENCRYPTION_KEY, SANDBOX_OAUTH_APPS
from server.platform.encryption import Vault
from tests.factories.app_connections import (
    APP_CALLBACK,
    assert_simple_error,
    authorize,
    callback,
    connect,
    connection_row,
    follow,
)
from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, UUID, bearer, call

SERVICES = ("stripe", "slack", "quickbooks", "xero")


def refresh(rest, token, service, connection_id, status=200):
    return call(
        rest,
        "POST",
        f"/api/integrations/oauth/{service}/refresh",
        status,
        json={"connectionId": connection_id},
        headers=bearer(token),
    )


@pytest.mark.parametrize("service", SERVICES)
async def test_round_trip__documented_shapes_and_sealed_tokens(rest, db, service):
    user = sign_up(rest)
    started = authorize(rest, user.token, service)
    assert set(started) == {"success", "authUrl", "state"} and started["success"] is True
    query = {k: v[0] for k, v in parse_qs(urlsplit(started["authUrl"]).query).items()}
    assert query["state"] == started["state"] and len(started["state"]) >= 43
    assert query["code_challenge_method"] == "S256" and query["redirect_uri"] == APP_CALLBACK
    back = follow(started["authUrl"])
    assert back.uri == APP_CALLBACK and back.query["state"] == started["state"]

    body = callback(rest, user.token, service, back.query)
    assert set(body) == {"success", "connectionId", "message"}
    assert body["success"] is True and UUID.match(body["connectionId"])
    assert body["message"] == "Integration connected successfully"

    row = await connection_row(db, body["connectionId"])
    assert row.status == "connected" and row.account_id
    vault = Vault((DEV_ENCRYPTION_KEY,))
    # Sealed at rest: the column holds no token, the vault opens it.
    assert row.access_token and vault.unseal(row.access_token) not in row.access_token


def test_the_challenge_is_the_s256_of_a_verifier_the_provider_checks(rest):
    """The sandbox refuses a code exchange without the right verifier, so a completed
    callback proves the verifier was sent; the URL carries only its S256 digest."""
    user = sign_up(rest)
    started = authorize(rest, user.token, "stripe")
    challenge = parse_qs(urlsplit(started["authUrl"]).query)["code_challenge"][0]
    assert len(base64.urlsafe_b64decode(challenge + "=")) == hashlib.sha256().digest_size
    callback(rest, user.token, "stripe", follow(started["authUrl"]).query)


def test_a_reused_state_is_refused(rest):
    user = sign_up(rest)
    started = authorize(rest, user.token, "stripe")
    query = follow(started["authUrl"]).query
    callback(rest, user.token, "stripe", query)
    again = callback(rest, user.token, "stripe", query, status=400)
    assert_simple_error(again, field="state")


def test_a_forged_state_is_refused(rest):
    user = sign_up(rest)
    started = authorize(rest, user.token, "stripe")
    query = follow(started["authUrl"]).query
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    assert_simple_error(callback(rest, user.token, "stripe", query, status=400), field="state")


def test_another_users_state_is_refused(rest):
    owner, thief = sign_up(rest), sign_up(rest)
    started = authorize(rest, owner.token, "stripe")
    query = follow(started["authUrl"]).query
    assert_simple_error(callback(rest, thief.token, "stripe", query, status=400), field="state")
    # Still good for its owner: a refused attempt spends nothing.
    callback(rest, owner.token, "stripe", query)


def test_a_state_of_another_service_is_refused(rest):
    user = sign_up(rest)
    started = authorize(rest, user.token, "stripe")
    query = follow(started["authUrl"]).query
    assert_simple_error(callback(rest, user.token, "slack", query, status=400), field="state")


async def test_an_expired_state_is_refused(rest, db):
    user = sign_up(rest)
    started = authorize(rest, user.token, "xero")
    query = follow(started["authUrl"]).query
    digest = hashlib.sha256(started["state"].encode()).hexdigest()
    async with db.transaction() as s:
        await s.execute(
            text(
                "UPDATE app_oauth_states SET expires_at = now() - interval '1 second'"
                " WHERE state_hash = :h"
            ),
            {"h": digest},
        )
    assert_simple_error(callback(rest, user.token, "xero", query, status=400), field="state")


async def test_access_denied_marks_the_connection_error(rest, db, knobs):
    user = sign_up(rest)
    knobs.apps("slack", deny_next_authorize=1)
    started = authorize(rest, user.token, "slack")
    query = follow(started["authUrl"]).query
    assert query["error"] == "access_denied" and "code" not in query
    body = callback(rest, user.token, "slack", query, status=403)
    assert_simple_error(body)
    connections = call(
        rest, "GET", "/api/integrations/connections", 200, headers=bearer(user.token)
    )
    [conn] = connections["connections"]
    assert (conn["status"], conn["connectedAt"]) == ("error", None)
    row = await connection_row(db, conn["id"])
    assert row.status_reason == "access_denied" and row.access_token is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"redirectUri": "https://evil.example.com/callback"}, "redirectUri"),
        ({"redirectUri": ""}, "redirectUri"),
        ({"scopes": "read:payments,admin:everything"}, "scopes"),
        ({"state": "short"}, "state"),
    ],
)
def test_bad_authorize_requests_are_400_naming_the_field(rest, query, field):
    user = sign_up(rest)
    body = call(
        rest,
        "GET",
        "/api/integrations/oauth/stripe/authorize",
        400,
        params={"redirectUri": APP_CALLBACK, **query},
        headers=bearer(user.token),
    )
    assert_simple_error(body, field=field)
    listed = call(rest, "GET", "/api/integrations/connections", 200, headers=bearer(user.token))
    assert listed["connections"] == []


def test_an_unsupported_service_is_the_documented_400(rest):
    user = sign_up(rest)
    body = call(
        rest,
        "GET",
        "/api/integrations/oauth/dropbox/authorize",
        400,
        params={"redirectUri": APP_CALLBACK},
        headers=bearer(user.token),
    )
    assert body == {
        "success": False,
        "error": "Invalid integration configuration",
        "details": {"field": "service", "message": "Service not supported"},
    }


def test_any_path_on_the_app_origin_and_a_caller_state_are_accepted(rest):
    user = sign_up(rest)
    own_state = secrets.token_urlsafe(30)
    started = authorize(
        rest,
        user.token,
        "quickbooks",
        redirectUri="http://127.0.0.1:3000/settings/apps?tab=qb",
        scopes="accounting",
        state=own_state,
    )
    assert started["state"] == own_state
    back = follow(started["authUrl"])
    assert back.uri == "http://127.0.0.1:3000/settings/apps" and back.query["realmId"]
    callback(rest, user.token, "quickbooks", back.query)


async def test_refresh__new_expiry_and_rotated_tokens(rest, db, knobs):
    user = sign_up(rest)
    knobs.apps("xero", expires_in=600)
    connection_id = connect(rest, user.token, "xero")
    before = await connection_row(db, connection_id)
    knobs.apps("xero", expires_in=7200)
    body = refresh(rest, user.token, "xero", connection_id)
    assert set(body) == {"success", "connection"}
    assert set(body["connection"]) == {"id", "status", "expiresAt"}
    assert body["connection"]["id"] == connection_id
    assert body["connection"]["status"] == "connected"
    assert RFC3339_Z.match(body["connection"]["expiresAt"])
    after = await connection_row(db, connection_id)
    assert after.expires_at > before.expires_at
    vault = Vault((DEV_ENCRYPTION_KEY,))
    assert vault.unseal(after.access_token) != vault.unseal(before.access_token)
    assert vault.unseal(after.refresh_token) != vault.unseal(before.refresh_token)


async def test_ten_concurrent_refreshes_make_one_exchange(rest, db, knobs, stack):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "quickbooks")
    before = knobs.apps("quickbooks")["token_calls"].get("refresh_token", 0)

    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/integrations/oauth/quickbooks/refresh",
                    json={"connectionId": connection_id},
                    headers=bearer(user.token),
                )
                for _ in range(10)
            )
        )
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    expiries = {r.json()["connection"]["expiresAt"] for r in responses}
    assert len(expiries) == 1
    after = knobs.apps("quickbooks")["token_calls"].get("refresh_token", 0)
    assert after - before == 1


async def test_a_refused_refresh_expires_the_connection_and_keeps_the_reason(
    rest, db, knobs, stack
):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    row = await connection_row(db, connection_id)
    stolen = Vault((DEV_ENCRYPTION_KEY,)).unseal(row.refresh_token)
    # Someone else spends the refresh token first: the provider rotates it away from us.
    spent = httpx.post(
        f"{stack.sandbox_url}/stripe-connect/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": stolen},
        auth=(SANDBOX_OAUTH_APPS["stripe"][1], ""),
        timeout=30,
    )
    assert spent.status_code == 200, spent.text
    body = refresh(rest, user.token, "stripe", connection_id, status=400)
    assert_simple_error(body, field="connectionId")
    row = await connection_row(db, connection_id)
    assert row.status == "expired" and row.status_reason
    assert row.access_token is None and row.refresh_token is None
    # Expired, it cannot be refreshed again until connected anew.
    assert_simple_error(
        refresh(rest, user.token, "stripe", connection_id, status=400), field="connectionId"
    )


def test_refresh_of_another_users_connection_is_404(rest):
    owner, other = sign_up(rest), sign_up(rest)
    connection_id = connect(rest, owner.token, "slack")
    assert_simple_error(refresh(rest, other.token, "slack", connection_id, status=404))
    assert_simple_error(refresh(rest, owner.token, "slack", str(uuid.uuid4()), status=404))
