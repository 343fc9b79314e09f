"""Seed 002 catalog and connection CRUD (`/api/integrations`, `/api/integrations/connections…`)
through Envoy."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories.app_connections import (
    APP_CALLBACK,
    assert_simple_error,
    callback,
    connect,
    connection_row,
    create,
    follow,
    get,
)
from tests.factories.auth import sign_up
from tests.factories.organizations import create_org
from tests.rest.client import RFC3339_Z, UUID, bearer, call

CONNECTION_KEYS = {
    "id",
    "service",
    "serviceName",
    "status",
    "connectedAt",
    "lastSyncAt",
    "syncStatus",
    "permissions",
    "expiresAt",
}


def listing(rest, token, **params):
    return call(
        rest, "GET", "/api/integrations/connections", 200, params=params, headers=bearer(token)
    )


def patch(rest, token, connection_id, body, status=200):
    return call(
        rest,
        "PATCH",
        f"/api/integrations/connections/{connection_id}",
        status,
        json=body,
        headers=bearer(token),
    )


def delete(rest, token, connection_id, status=200):
    return call(
        rest,
        "DELETE",
        f"/api/integrations/connections/{connection_id}",
        status,
        headers=bearer(token),
    )


def test_catalog__documented_shape_and_is_connected(rest):
    user = sign_up(rest)
    body = call(rest, "GET", "/api/integrations", 200, headers=bearer(user.token))
    assert set(body) == {"success", "integrations"} and body["success"] is True
    by_id = {i["id"]: i for i in body["integrations"]}
    assert list(by_id) == ["stripe", "slack", "quickbooks", "xero"]
    stripe = by_id["stripe"]
    assert set(stripe) == {
        "id",
        "name",
        "description",
        "category",
        "icon",
        "features",
        "isAvailable",
        "isConnected",
    }
    assert stripe["name"] == "Stripe" and stripe["category"] == "Payments"
    assert stripe["description"] == "Payment processing and subscription management"
    assert stripe["features"] == ["payments", "subscriptions", "invoicing"]
    assert stripe["icon"].startswith("https://") and stripe["isAvailable"] is True
    assert not any(i["isConnected"] for i in body["integrations"])

    connect(rest, user.token, "slack")
    after = call(rest, "GET", "/api/integrations", 200, headers=bearer(user.token))
    connected = {i["id"]: i["isConnected"] for i in after["integrations"]}
    assert connected == {"stripe": False, "slack": True, "quickbooks": False, "xero": False}


async def test_create__documented_201_pending_until_the_callback(rest, db):
    user = sign_up(rest)
    body = create(
        rest, user.token, {"service": "stripe", "permissions": ["read:payments", "write:invoices"]}
    )
    assert set(body) == {"success", "connectionId", "authUrl", "state"}
    assert body["success"] is True and UUID.match(body["connectionId"])
    query = parse_qs(urlsplit(body["authUrl"]).query)
    # Without a redirectUri the provider returns the user to the web app's callback page.
    assert query["redirect_uri"] == [APP_CALLBACK] and query["state"] == [body["state"]]
    assert query["scope"] == ["read:payments write:invoices"]

    [pending] = listing(rest, user.token)["connections"]
    assert set(pending) == CONNECTION_KEYS
    assert (pending["id"], pending["service"], pending["serviceName"], pending["status"]) == (
        body["connectionId"],
        "stripe",
        "Stripe",
        "pending",
    )
    assert pending["permissions"] == ["read:payments", "write:invoices"]
    assert pending["connectedAt"] is None and pending["expiresAt"] is None
    assert pending["lastSyncAt"] is None and pending["syncStatus"] is None

    done = callback(rest, user.token, "stripe", follow(body["authUrl"]).query)
    assert done["connectionId"] == body["connectionId"]
    [conn] = listing(rest, user.token)["connections"]
    assert conn["status"] == "connected"
    assert RFC3339_Z.match(conn["connectedAt"]) and RFC3339_Z.match(conn["expiresAt"])
    row = await connection_row(db, body["connectionId"])
    assert row.status == "connected"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": "dropbox"}, "service"),
        ({"service": ""}, "service"),
        ({"service": "stripe", "permissions": ["read:payments", "chat:write"]}, "permissions"),
        ({"service": "stripe", "redirectUri": "https://attacker.example/cb"}, "redirectUri"),
        ({"service": "stripe", "permissions": [{"scope": "read:payments"}]}, None),
    ],
)
def test_create__bad_input_is_400_and_changes_nothing(rest, body, field):
    user = sign_up(rest)
    answer = create(rest, user.token, body, status=400)
    if field is None:
        assert answer["success"] is False and answer["error"]
    else:
        assert_simple_error(answer, field=field)
    assert listing(rest, user.token)["connections"] == []


def test_get__documented_shape_with_settings(rest):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    body = get(rest, user.token, connection_id)
    assert set(body) == {"success", "connection"}
    conn = body["connection"]
    assert set(conn) == CONNECTION_KEYS | {"settings"}
    assert conn["settings"] == {"syncFrequency": "daily"}
    assert conn["permissions"] == [
        "read:payments",
        "write:invoices",
        "read:customers",
        "write:subscriptions",
    ]


async def test_update__documented_shape_then_get_reads_it(rest, db):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    body = patch(
        rest,
        user.token,
        connection_id,
        {
            "settings": {
                "syncFrequency": "hourly",
                "webhookUrl": "https://api.example.com/webhooks/stripe",
            },
            "permissions": ["read:payments", "write:invoices", "read:customers"],
        },
    )
    assert set(body) == {"success", "connection"}
    assert set(body["connection"]) == {"id", "settings", "permissions", "updatedAt"}
    assert body["connection"]["settings"] == {
        "syncFrequency": "hourly",
        "webhookUrl": "https://api.example.com/webhooks/stripe",
    }
    assert body["connection"]["permissions"] == [
        "read:payments",
        "write:invoices",
        "read:customers",
    ]
    assert RFC3339_Z.match(body["connection"]["updatedAt"])
    # Omitted fields keep their values.
    patch(rest, user.token, connection_id, {"settings": {"syncFrequency": "weekly"}})
    settings = get(rest, user.token, connection_id)["connection"]["settings"]
    assert settings == {
        "syncFrequency": "weekly",
        "webhookUrl": "https://api.example.com/webhooks/stripe",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": {"syncFrequency": "every-second"}}, "settings.syncFrequency"),
        ({"settings": {"webhookUrl": "ftp://example.com"}}, "settings.webhookUrl"),
        ({"permissions": ["channels:read"]}, "permissions"),
        ({"settings": {"syncFrequency": 5}}, None),
        ({"settings": "daily"}, None),
        ({"settings": {"webhookUrl": "https://x.example/" + "a" * (1024 * 1024)}}, None),
    ],
)
async def test_update__bad_input_changes_nothing(rest, db, body, field):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "stripe")
    before = await connection_row(db, connection_id)
    response = rest.patch(
        f"/api/integrations/connections/{connection_id}", json=body, headers=bearer(user.token)
    )
    assert response.status_code in (400, 413), response.text
    answer = response.json()
    assert answer["success"] is False and answer["error"]
    if field is not None:
        assert_simple_error(answer, field=field)
    after = await connection_row(db, connection_id)
    assert (after.settings, after.permissions) == (before.settings, before.permissions)


async def test_delete__documented_message_revoked_and_gone(rest, db, knobs):
    user = sign_up(rest)
    connection_id = connect(rest, user.token, "quickbooks")
    body = delete(rest, user.token, connection_id)
    assert body == {"success": True, "message": "Connection deleted successfully"}
    assert listing(rest, user.token)["connections"] == []
    assert_simple_error(get(rest, user.token, connection_id, status=404))
    row = await connection_row(db, connection_id)
    # Kept for the audit trail, without its tokens.
    assert row.status == "revoked" and row.revoked_at is not None
    assert row.access_token is None and row.refresh_token is None
    assert_simple_error(delete(rest, user.token, connection_id, status=404))


def test_list_filters_by_service_and_status(rest):
    user = sign_up(rest)
    slack = connect(rest, user.token, "slack")
    pending = create(rest, user.token, {"service": "xero"})["connectionId"]
    ids = lambda **q: [c["id"] for c in listing(rest, user.token, **q)["connections"]]  # noqa: E731
    assert ids() == [pending, slack]
    assert ids(service="slack") == [slack]
    assert ids(status="pending") == [pending]
    assert ids(service="xero", status="connected") == []
    bad = call(
        rest,
        "GET",
        "/api/integrations/connections",
        400,
        params={"status": "sleeping"},
        headers=bearer(user.token),
    )
    assert_simple_error(bad, field="status")


def test_another_users_connection_is_404_everywhere(rest):
    owner, other = sign_up(rest), sign_up(rest)
    connection_id = connect(rest, owner.token, "stripe")
    assert_simple_error(get(rest, other.token, connection_id, status=404))
    assert_simple_error(
        patch(rest, other.token, connection_id, {"permissions": ["read:payments"]}, status=404)
    )
    assert_simple_error(delete(rest, other.token, connection_id, status=404))
    sync = call(
        rest,
        "POST",
        f"/api/integrations/connections/{connection_id}/sync",
        404,
        json={"syncType": "full"},
        headers=bearer(other.token),
    )
    assert_simple_error(sync)
    assert listing(rest, other.token)["connections"] == []
    assert_simple_error(get(rest, owner.token, str(uuid.uuid4()), status=404))
    assert_simple_error(get(rest, owner.token, "conn-123", status=404))


def test_connections_belong_to_the_organization_they_were_made_in(rest):
    user = sign_up(rest)
    org = create_org(rest, user.token, name="Books Inc")
    in_org = {**bearer(user.token), "X-Organization-Id": org["id"]}
    made = call(
        rest,
        "POST",
        "/api/integrations/connections",
        201,
        json={"service": "xero"},
        headers=in_org,
    )
    assert listing(rest, user.token)["connections"] == []
    listed = call(rest, "GET", "/api/integrations/connections", 200, headers=in_org)
    assert [c["id"] for c in listed["connections"]] == [made["connectionId"]]


def test_unauthenticated_is_the_documented_401(rest):
    response = rest.get("/api/integrations/connections")
    assert response.status_code == 401
    assert_simple_error(response.json())
