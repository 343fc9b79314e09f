"""Dashtam's account routes through Envoy (seed 003): bare snake_case bodies, money strings,
totals by currency, filters, problem+json errors, organization scoping, the sync's refusals that
need no provider (validation, status, the 15-minute interval).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import update

from server.banking.models import FinancialAccount
from server.platform.common.ids import new_id
from tests.factories.auth import sign_up
from tests.factories.banking import insert_account, insert_connection
from tests.factories.organizations import make_team, personal_org_id
from tests.rest.accounts.helpers import (
    LIST_KEYS,
    assert_account_shape,
    assert_problem,
)
from tests.rest.client import bearer, call

ACCOUNTS = "/api/v1/accounts"
SYNCS = "/api/v1/accounts/syncs"


def providers(cid: object) -> str:
    return f"/api/v1/providers/{cid}/accounts"


@pytest.fixture
def owner(rest):
    user = sign_up(rest)
    return user, personal_org_id(rest, user.token)


async def _seed_example(db, org: str, user_id: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """The document's two accounts: a brokerage with an available balance, a Roth IRA without."""
    cid = await insert_connection(db, org, user_id)
    brokerage = await insert_account(
        db,
        org,
        cid,
        name="Individual Brokerage",
        type="INVESTMENT",
        subtype="brokerage",
        balance="25000.50",
        available_balance="24500.00",
        last_four="1234",
        last_sync_at=dt.datetime(2025, 12, 4, 15, 30, tzinfo=dt.UTC),
    )
    roth = await insert_account(
        db,
        org,
        cid,
        name="Roth IRA",
        type="INVESTMENT",
        subtype="roth_ira",
        balance="50000",
        available_balance=None,
        last_four="5678",
    )
    return cid, brokerage, roth


async def test_list_renders_the_documented_example(rest, db, owner):
    user, org = owner
    cid, brokerage, roth = await _seed_example(db, org, user.user["id"])
    response = rest.get(ACCOUNTS, headers=bearer(user.token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == LIST_KEYS
    for a in body["accounts"]:
        assert_account_shape(a)
    first, second = body["accounts"]
    assert first["id"] == str(brokerage) and second["id"] == str(roth)
    assert first["connection_id"] == str(cid)
    assert first["account_number_masked"] == "****1234"
    assert (first["name"], first["account_type"], first["currency"]) == (
        "Individual Brokerage",
        "brokerage",
        "USD",
    )
    assert (first["balance_amount"], first["balance_currency"]) == ("25000.50", "USD")
    assert (first["available_balance_amount"], first["available_balance_currency"]) == (
        "24500.00",
        "USD",
    )
    assert (first["is_investment"], first["is_bank"], first["is_retirement"]) == (
        True,
        False,
        False,
    )
    assert first["is_credit"] is False and first["is_active"] is True
    assert first["last_synced_at"] == "2025-12-04T15:30:00Z"
    assert second["balance_amount"] == "50000.00"
    assert second["available_balance_amount"] is None
    assert second["available_balance_currency"] is None
    assert second["last_synced_at"] is None
    assert (second["is_investment"], second["is_retirement"], second["is_bank"]) == (
        True,
        True,
        False,
    )
    assert (body["total_count"], body["active_count"]) == (2, 2)
    assert body["total_balance_by_currency"] == {"USD": "75000.50"}


async def test_totals_by_currency_are_exact_decimal_sums(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"])
    for balance in ("0.10", "0.20", "1000000.01"):
        await insert_account(db, org, cid, balance=balance)
    await insert_account(db, org, cid, balance="-250.75", currency="EUR", type="CREDIT_CARD")
    body = call(rest, "GET", ACCOUNTS, 200, headers=bearer(user.token))
    assert body["total_balance_by_currency"] == {"EUR": "-250.75", "USD": "1000000.31"}
    credit = next(a for a in body["accounts"] if a["currency"] == "EUR")
    assert (credit["is_credit"], credit["is_bank"], credit["is_investment"]) == (True, False, False)
    checking = next(a for a in body["accounts"] if a["currency"] == "USD")
    assert (checking["is_bank"], checking["account_type"]) == (True, "checking")


async def test_filters_active_only_and_account_type(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"])
    checking = await insert_account(db, org, cid, subtype="checking")
    closed = await insert_account(db, org, cid, subtype="savings", type="SAVINGS", is_active=False)
    ira = await insert_account(db, org, cid, subtype="ira", type="INVESTMENT", balance="10.00")
    headers = bearer(user.token)

    def ids(query: str) -> list[str]:
        return [
            a["id"] for a in call(rest, "GET", ACCOUNTS + query, 200, headers=headers)["accounts"]
        ]

    assert ids("") == [str(checking), str(closed), str(ira)]
    assert ids("?active_only=true") == [str(checking), str(ira)]
    assert ids("?account_type=ira") == [str(ira)]
    assert ids("?account_type=savings&active_only=true") == []
    body = call(rest, "GET", ACCOUNTS + "?account_type=savings", 200, headers=headers)
    assert (body["total_count"], body["active_count"]) == (1, 0)
    problem = assert_problem(rest.get(ACCOUNTS + "?account_type=crypto", headers=headers), 400)
    assert "account_type" in problem["detail"]
    assert problem["instance"] == "/api/v1/accounts?account_type=crypto"
    # By connection, with the same shape.
    body = call(rest, "GET", providers(cid) + "?active_only=true", 200, headers=headers)
    assert set(body) == LIST_KEYS
    assert [a["id"] for a in body["accounts"]] == [str(checking), str(ira)]
    assert body["total_balance_by_currency"] == {"USD": "5442.10"}


async def test_get_account_and_provider_accounts_shapes(rest, db, owner):
    user, org = owner
    cid, brokerage, _ = await _seed_example(db, org, user.user["id"])
    other = await insert_connection(db, org, user.user["id"])
    await insert_account(db, org, other)
    headers = bearer(user.token)
    a = call(rest, "GET", f"{ACCOUNTS}/{brokerage}", 200, headers=headers)
    assert_account_shape(a)
    assert (a["id"], a["balance_amount"], a["account_type"]) == (
        str(brokerage),
        "25000.50",
        "brokerage",
    )
    body = call(rest, "GET", providers(cid), 200, headers=headers)
    assert body["total_count"] == 2
    assert {x["connection_id"] for x in body["accounts"]} == {str(cid)}
    assert body["total_balance_by_currency"] == {"USD": "75000.50"}
    empty = await insert_connection(db, org, user.user["id"])
    assert call(rest, "GET", providers(empty), 200, headers=headers) == {
        "accounts": [],
        "total_count": 0,
        "active_count": 0,
        "total_balance_by_currency": {},
    }


async def test_other_organizations_ids_and_unknown_ids_are_404_problems(rest, db, owner):
    user, _ = owner
    stranger = sign_up(rest)
    s_org = personal_org_id(rest, stranger.token)
    s_conn = await insert_connection(db, s_org, stranger.user["id"])
    s_account = await insert_account(db, s_org, s_conn)
    headers = bearer(user.token)
    for aid in (s_account, new_id(), "nope"):
        assert_problem(rest.get(f"{ACCOUNTS}/{aid}", headers=headers), 404, "Account not found")
    for cid in (s_conn, new_id(), "nope"):
        assert_problem(rest.get(providers(cid), headers=headers), 404, "Connection not found")
    for cid in (s_conn, new_id()):
        response = rest.post(SYNCS, json={"connection_id": str(cid)}, headers=headers)
        assert_problem(response, 404, "Connection not found")
    assert call(rest, "GET", ACCOUNTS, 200, headers=headers)["accounts"] == []
    # The stranger still sees its own.
    assert call(rest, "GET", ACCOUNTS, 200, headers=bearer(stranger.token))["total_count"] == 1


async def test_organization_context_and_roles(rest, db, mail_dir):
    team = make_team(rest, mail_dir)
    cid = await insert_connection(db, team.org_id, team.owner.user["id"], status="DISCONNECTED")
    await insert_account(db, team.org_id, cid)
    # The personal organization is the default; the team's data needs naming the team.
    assert call(rest, "GET", ACCOUNTS, 200, headers=bearer(team.viewer.token))["accounts"] == []
    for path in (
        f"{ACCOUNTS}?organizationId={team.org_id}",
        f"/api/v1/organizations/{team.org_id}/accounts",
    ):
        body = call(rest, "GET", path, 200, headers=bearer(team.viewer.token))
        assert body["total_count"] == 1
    headers = {"X-Organization-Id": team.org_id}
    # A VIEWER cannot sync: 403 problem; an EDITOR reaches the status check.
    response = rest.post(
        SYNCS, json={"connection_id": str(cid)}, headers={**headers, **bearer(team.viewer.token)}
    )
    assert_problem(response, 403)
    response = rest.post(
        SYNCS, json={"connection_id": str(cid)}, headers={**headers, **bearer(team.editor.token)}
    )
    assert_problem(response, 400)
    # Not a member: 404.
    outsider = sign_up(rest)
    response = rest.get(ACCOUNTS, headers={**headers, **bearer(outsider.token)})
    assert_problem(response, 404)


async def test_sync_validation_status_and_the_15_minute_interval(rest, db, owner):
    user, org = owner
    headers = bearer(user.token)
    assert_problem(rest.post(SYNCS, json={}, headers=headers), 400, "connection_id is required")
    assert_problem(
        rest.post(SYNCS, json={"connection_id": "abc"}, headers=headers),
        400,
        "connection_id must be a UUID",
    )
    for status in ("DISCONNECTED", "FAILED"):
        cid = await insert_connection(db, org, user.user["id"], status=status)
        problem = assert_problem(
            rest.post(SYNCS, json={"connection_id": str(cid), "force": True}, headers=headers),
            400,
        )
        assert "only ACTIVE connections can be synced" in problem["detail"]
        assert problem["type"].endswith("/connection_not_active")
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cid = await insert_connection(db, org, user.user["id"], last_sync_at=recent)
    response = rest.post(SYNCS, json={"connection_id": str(cid)}, headers=headers)
    problem = assert_problem(response, 429)
    assert "15 minutes" in problem["detail"]
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= 10 * 60 + 1
    # force: false is the default, the same answer.
    response = rest.post(SYNCS, json={"connection_id": str(cid), "force": False}, headers=headers)
    assert_problem(response, 429)


async def test_every_route_answers_401_as_a_problem(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"])
    for method, path, body in (
        ("GET", ACCOUNTS, None),
        ("GET", f"{ACCOUNTS}/{new_id()}", None),
        ("POST", SYNCS, {"connection_id": str(cid)}),
        ("GET", providers(cid), None),
    ):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = rest.request(method, path, json=body, headers=headers)
            assert_problem(response, 401)


async def test_the_account_list_reflects_a_disconnect_at_once(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"])
    account = await insert_account(db, org, cid, balance="10.00")
    headers = bearer(user.token)
    listed = call(rest, "GET", ACCOUNTS, 200, headers=headers)
    assert listed["total_balance_by_currency"] == {"USD": "10.00"}
    async with db.transaction() as s:
        await s.execute(
            update(FinancialAccount).where(FinancialAccount.id == account).values(balance=20)
        )
    # The detail is not cached: it shows the change at once.
    detail = call(rest, "GET", f"{ACCOUNTS}/{account}", 200, headers=headers)
    assert detail["balance_amount"] == "20.00"
    # A change through the connection routes drops user:{id}:accounts.
    path = f"/api/v1/banking/connections/{cid}/disconnect"
    call(rest, "POST", path, 200, json={}, headers=headers)
    listed = call(rest, "GET", ACCOUNTS, 200, headers=headers)
    assert listed["total_balance_by_currency"] == {"USD": "20.00"}


@pytest.mark.parametrize(
    ("method", "path", "content", "status"),
    [
        ("POST", SYNCS, b"{not json", 400),
        ("GET", f"{ACCOUNTS}?active_only=maybe", None, 400),
        ("GET", f"{ACCOUNTS}/a/b/c", None, 404),
        ("PUT", ACCOUNTS, None, 404),
        ("GET", "/api/v1/providers/x/accounts/y", None, 404),
        ("POST", SYNCS, b"x" * (2 * 1024 * 1024), 413),
    ],
    ids=["bad-json", "bad-query", "no-route", "no-verb", "no-provider-route", "too-large"],
)
def test_envoys_own_replies_on_dashtam_paths_are_problems(rest, method, path, content, status):
    user = sign_up(rest)
    headers = {**bearer(user.token), "content-type": "application/json"}
    response = rest.request(method, path, content=content, headers=headers)
    problem = assert_problem(response, status)
    assert problem["instance"] == path


def test_an_unreachable_server_is_a_503_problem(rest_upstream_down):
    problem = assert_problem(rest_upstream_down.get(ACCOUNTS), 503)
    assert problem["detail"] == "Service temporarily unavailable"


def test_other_families_keep_their_envelope(rest):
    response = rest.get("/api/v1/banking/connections/a/b/c")
    assert response.status_code == 404
    assert response.json()["code"] == "RESOURCE_NOT_FOUND"
