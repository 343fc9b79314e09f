"""The whole life of a connection through Envoy against the sandbox, in the order a user meets
it: authorize → the provider's page → callback → connected → sync → records mapped → refresh →
disconnect (and the provider no longer honours the tokens)."""

from __future__ import annotations

import httpx

from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from tests.factories.app_connections import (
    authorize,
    callback,
    connection_row,
    follow,
    wait_for_sync,
)
from tests.factories.auth import sign_up
from tests.rest.client import bearer, call


async def test_quickbooks_from_authorize_to_disconnect(rest, db, stack):
    user = sign_up(rest)
    started = authorize(rest, user.token, "quickbooks", scopes="accounting,invoicing")
    back = follow(started["authUrl"])
    connection_id = callback(rest, user.token, "quickbooks", back.query)["connectionId"]
    connection = call(
        rest,
        "GET",
        f"/api/integrations/connections/{connection_id}",
        200,
        headers=bearer(user.token),
    )["connection"]
    assert connection["status"] == "connected"
    assert connection["permissions"] == ["accounting", "invoicing"]

    call(
        rest,
        "POST",
        f"/api/integrations/connections/{connection_id}/sync",
        200,
        json={"syncType": "full", "dataTypes": ["invoices", "customers"]},
        headers=bearer(user.token),
    )
    sync = wait_for_sync(rest, user.token, connection_id)
    assert (sync["status"], sync["recordsSynced"], sync["errors"]) == ("completed", 50, 0)

    before = await connection_row(db, connection_id)
    refreshed = call(
        rest,
        "POST",
        "/api/integrations/oauth/quickbooks/refresh",
        200,
        json={"connectionId": connection_id},
        headers=bearer(user.token),
    )["connection"]
    assert refreshed["status"] == "connected"
    after = await connection_row(db, connection_id)
    vault = Vault((DEV_ENCRYPTION_KEY,))
    access = vault.unseal(after.access_token)
    assert access != vault.unseal(before.access_token)

    # An incremental sync after the refresh reads with the new token.
    call(
        rest,
        "POST",
        f"/api/integrations/connections/{connection_id}/sync",
        200,
        json={"syncType": "incremental", "dataTypes": ["invoices"]},
        headers=bearer(user.token),
    )
    assert wait_for_sync(rest, user.token, connection_id)["status"] == "completed"

    call(
        rest,
        "DELETE",
        f"/api/integrations/connections/{connection_id}",
        200,
        headers=bearer(user.token),
    )
    # Revoked at Intuit: the access token it held no longer reads the company.
    realm = after.account_id
    response = httpx.get(
        f"{stack.sandbox_url}/intuit/v3/company/{realm}/query",
        params={"query": "select * from Invoice"},
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 401, response.text
