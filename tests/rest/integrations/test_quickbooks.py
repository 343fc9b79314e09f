"""Seed 004's integration routes for QuickBooks (connect with the OAuth flow's code and state,
list, disconnect) and the provider catalog, through Envoy against the sandbox; a QuickBooks
connection made here is the same row the integrations hub (seed 002) lists."""

from __future__ import annotations

import pytest

from tests.factories.app_connections import authorize, connection_row, follow
from tests.factories.auth import sign_up
from tests.factories.organizations import make_team
from tests.rest.banking.sandbox import plaid_public_token
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

INTEGRATION_KEYS = {
    "id",
    "provider",
    "providerName",
    "status",
    "lastSyncAt",
    "lastSyncStatus",
    "autoSync",
    "syncFrequency",
    "connectedAt",
}


def connect_quickbooks(rest, token, status=201, **override):
    started = authorize(rest, token, "quickbooks")
    query = follow(started["authUrl"]).query
    body = {"code": query["code"], "state": query["state"], **override}
    return call(
        rest,
        "POST",
        "/api/v1/integrations/QUICKBOOKS/connect",
        status,
        json=body,
        headers=bearer(token),
    )


def integrations(rest, token):
    return call(rest, "GET", "/api/v1/integrations", 200, headers=bearer(token))


def test_providers__documented_shape_public(rest):
    body = call(rest, "GET", "/api/v1/integrations/providers", 200)
    assert set(body) == {"success", "data"} and set(body["data"]) == {"providers", "count"}
    providers = body["data"]["providers"]
    assert body["data"]["count"] == len(providers) == 2
    quickbooks, plaid = providers
    assert set(quickbooks) == {
        "provider",
        "name",
        "description",
        "authType",
        "webhookSupport",
        "features",
        "logo",
        "status",
    }
    assert (quickbooks["provider"], quickbooks["name"], quickbooks["authType"]) == (
        "QUICKBOOKS",
        "QuickBooks Online",
        "oauth2",
    )
    assert quickbooks["features"] == ["invoices", "bills", "accounts", "customers"]
    assert quickbooks["webhookSupport"] is True and quickbooks["status"] == "active"
    assert (plaid["provider"], plaid["name"]) == ("PLAID", "Plaid")
    assert plaid["features"] == ["banking", "investments", "transactions"]


async def test_connect__documented_201_and_listed_by_both_facades(rest, db):
    user = sign_up(rest)
    body = connect_quickbooks(rest, user.token)
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == {"id", "provider", "status", "connectedAt", "message"}
    assert UUID.match(data["id"]) and RFC3339_Z.match(data["connectedAt"])
    assert (data["provider"], data["status"], data["message"]) == (
        "QUICKBOOKS",
        "ACTIVE",
        "QuickBooks integration connected successfully",
    )
    row = await connection_row(db, data["id"])
    assert row.status == "connected" and row.account_id

    listed = integrations(rest, user.token)
    assert set(listed) == {"success", "data"} and listed["data"]["count"] == 1
    [entry] = listed["data"]["integrations"]
    assert set(entry) == INTEGRATION_KEYS
    assert (entry["id"], entry["provider"], entry["providerName"], entry["status"]) == (
        data["id"],
        "QUICKBOOKS",
        "QuickBooks Online",
        "ACTIVE",
    )
    assert (entry["autoSync"], entry["syncFrequency"]) == (True, "DAILY")
    assert entry["lastSyncAt"] is None and entry["lastSyncStatus"] is None
    assert entry["connectedAt"] == data["connectedAt"]

    hub = call(rest, "GET", "/api/integrations/connections", 200, headers=bearer(user.token))
    assert [(c["id"], c["service"], c["status"]) for c in hub["connections"]] == [
        (data["id"], "quickbooks", "connected")
    ]


def test_connect__a_reused_or_foreign_state_is_refused(rest):
    owner, other = sign_up(rest), sign_up(rest)
    started = authorize(rest, owner.token, "quickbooks")
    query = follow(started["authUrl"]).query
    body = {"code": query["code"], "state": query["state"]}
    refused = call(
        rest,
        "POST",
        "/api/v1/integrations/QUICKBOOKS/connect",
        400,
        json=body,
        headers=bearer(other.token),
    )
    assert_mappr_error(refused, code="INVALID_INPUT", status=400, details=True)
    assert refused["details"]["errors"][0]["field"] == "state"
    call(
        rest,
        "POST",
        "/api/v1/integrations/QUICKBOOKS/connect",
        201,
        json=body,
        headers=bearer(owner.token),
    )
    again = call(
        rest,
        "POST",
        "/api/v1/integrations/QUICKBOOKS/connect",
        400,
        json=body,
        headers=bearer(owner.token),
    )
    assert again["details"]["errors"][0]["field"] == "state"
    assert integrations(rest, other.token)["data"]["count"] == 0


async def test_disconnect__204_revoked_and_gone_from_both_lists(rest, db):
    user = sign_up(rest)
    connection_id = connect_quickbooks(rest, user.token)["data"]["id"]
    call(rest, "DELETE", f"/api/v1/integrations/{connection_id}", 204, headers=bearer(user.token))
    assert integrations(rest, user.token)["data"] == {"integrations": [], "count": 0}
    hub = call(rest, "GET", "/api/integrations/connections", 200, headers=bearer(user.token))
    assert hub["connections"] == []
    row = await connection_row(db, connection_id)
    assert row.status == "revoked" and row.access_token is None and row.refresh_token is None
    gone = call(
        rest, "DELETE", f"/api/v1/integrations/{connection_id}", 404, headers=bearer(user.token)
    )
    assert_mappr_error(gone, code="RESOURCE_NOT_FOUND", status=404)


def test_plaid_integrations_are_listed_and_disconnect_like_seed_000(rest, stack):
    user = sign_up(rest)
    code = plaid_public_token(stack.sandbox_url, accounts=["checking"])
    plaid = call(
        rest,
        "POST",
        "/api/v1/integrations/PLAID/connect",
        201,
        json={"code": code},
        headers=bearer(user.token),
    )["data"]
    quickbooks = connect_quickbooks(rest, user.token)["data"]
    listed = integrations(rest, user.token)["data"]
    assert listed["count"] == 2
    assert [i["id"] for i in listed["integrations"]] == [quickbooks["id"], plaid["id"]]
    [entry] = [i for i in listed["integrations"] if i["provider"] == "PLAID"]
    assert set(entry) == INTEGRATION_KEYS and entry["providerName"] == "Plaid"
    assert entry["status"] == "ACTIVE"
    call(rest, "DELETE", f"/api/v1/integrations/{plaid['id']}", 204, headers=bearer(user.token))
    call(
        rest,
        "GET",
        f"/api/v1/banking/connections/{plaid['id']}",
        404,
        headers=bearer(user.token),
    )
    assert [i["provider"] for i in integrations(rest, user.token)["data"]["integrations"]] == [
        "QUICKBOOKS"
    ]


def test_the_organizations_members_see_it_and_only_its_owner_or_an_owner_disconnects(
    rest, mail_dir
):
    team = make_team(rest, mail_dir)
    in_org = lambda token: {**bearer(token), "X-Organization-Id": team.org_id}  # noqa: E731
    started = call(
        rest,
        "GET",
        "/api/integrations/oauth/quickbooks/authorize",
        200,
        params={"redirectUri": "http://127.0.0.1:3000/integrations/callback"},
        headers=in_org(team.editor.token),
    )
    query = follow(started["authUrl"]).query
    made = call(
        rest,
        "POST",
        "/api/v1/integrations/QUICKBOOKS/connect",
        201,
        json={"code": query["code"], "state": query["state"]},
        headers=in_org(team.editor.token),
    )["data"]
    seen = call(rest, "GET", "/api/v1/integrations", 200, headers=in_org(team.viewer.token))
    assert [i["id"] for i in seen["data"]["integrations"]] == [made["id"]]
    assert integrations(rest, team.editor.token)["data"]["count"] == 0  # personal organization
    call(
        rest,
        "DELETE",
        f"/api/v1/integrations/{made['id']}",
        403,
        headers=in_org(team.viewer.token),
    )
    call(
        rest, "DELETE", f"/api/v1/integrations/{made['id']}", 204, headers=in_org(team.owner.token)
    )


@pytest.mark.parametrize("integration_id", ["int_123", "00000000-0000-7000-8000-000000000000"])
def test_disconnect_unknown_is_404(rest, integration_id):
    user = sign_up(rest)
    body = call(
        rest, "DELETE", f"/api/v1/integrations/{integration_id}", 404, headers=bearer(user.token)
    )
    assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)
