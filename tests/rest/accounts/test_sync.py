"""POST /api/v1/accounts/syncs against the sandbox: 201 counts, upsert by provider_account_id,
the 15-minute interval and `force`, provider failures as problems, and reads after a sync."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update

from server.banking.models import BankConnection, FinancialAccount
from tests.factories.auth import sign_up
from tests.factories.banking import insert_connection, set_plan
from tests.factories.organizations import personal_org_id
from tests.rest.accounts.helpers import assert_account_shape, assert_problem
from tests.rest.banking.sandbox import (
    plaid_link,
    teller_token,
)
from tests.rest.client import bearer, call

SYNCS = "/api/v1/accounts/syncs"
SYNC_KEYS = {
    "created",
    "updated",
    "unchanged",
    "errors",
    "message",
    "accounts_created",
    "accounts_updated",
}


@pytest.fixture
def owner(rest):
    user = sign_up(rest)
    return user, personal_org_id(rest, user.token)


async def _plaid_connection(
    db, plaid, org: str, user_id: str, *, plan: str = "PRO", **extra
) -> tuple[uuid.UUID, str]:
    """A four-account Plaid connection; PRO, as FREE allows 2 bank accounts."""
    await set_plan(db, user_id, plan)
    link = await plaid_link(plaid, ["checking", "savings", "brokerage", "roth"])
    cid = await insert_connection(
        db, org, user_id, access_token=link.access_token, item_id=link.item_id, **extra
    )
    return cid, link.access_token


def _sync(rest, token: str, cid: uuid.UUID, **body) -> object:
    return rest.post(SYNCS, json={"connection_id": str(cid), **body}, headers=bearer(token))


async def test_first_sync_creates_then_force_counts_unchanged_and_updated(
    rest, db, owner, plaid_provider, knobs
):
    user, org = owner
    cid, token = await _plaid_connection(db, plaid_provider, org, user.user["id"])
    expected = await plaid_provider.accounts(token)
    n = len(expected)
    assert n == 4
    response = _sync(rest, user.token, cid)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "created": n,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
        "message": f"Successfully synced {n} accounts",
        "accounts_created": n,
        "accounts_updated": 0,
    }
    # The accounts are listed, typed from the seed's table, and the connection was stamped.
    listed = call(rest, "GET", f"/api/v1/providers/{cid}/accounts", 200, headers=bearer(user.token))
    assert listed["total_count"] == n
    for a in listed["accounts"]:
        assert_account_shape(a)
        assert a["last_synced_at"] is not None
    by_id = {a["provider_account_id"]: a for a in listed["accounts"]}
    assert {p.provider_account_id for p in expected} == set(by_id)
    for p in expected:
        assert by_id[p.provider_account_id]["account_type"] == p.subtype
        assert by_id[p.provider_account_id]["balance_amount"] == f"{p.balance:.2f}"
    assert {a["account_type"] for a in listed["accounts"]} >= {"checking", "brokerage", "roth_ira"}
    roth = next(a for a in listed["accounts"] if a["account_type"] == "roth_ira")
    assert (roth["is_retirement"], roth["is_investment"], roth["is_bank"]) == (True, True, False)
    async with db.transaction() as s:
        synced_at = await s.scalar(
            select(BankConnection.last_sync_at).where(BankConnection.id == cid)
        )
    assert synced_at is not None
    # Within 15 minutes: 429 unless forced.
    assert_problem(_sync(rest, user.token, cid), 429)
    # One account changed here since: forced, it is updated back, the others unchanged.
    some = expected[0].provider_account_id
    async with db.transaction() as s:
        await s.execute(
            update(FinancialAccount)
            .where(
                FinancialAccount.connection_id == cid, FinancialAccount.provider_account_id == some
            )
            .values(name="Renamed here")
        )
    response = _sync(rest, user.token, cid, force=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SYNC_KEYS
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (0, 1, n - 1, 0)
    assert (body["accounts_created"], body["accounts_updated"]) == (0, 1)
    assert body["message"] == f"Successfully synced {n} accounts"
    listed = call(rest, "GET", f"/api/v1/providers/{cid}/accounts", 200, headers=bearer(user.token))
    assert "Renamed here" not in {a["name"] for a in listed["accounts"]}
    assert listed["total_count"] == n


async def test_accounts_beyond_the_plan_are_counted_as_errors_and_the_rest_sync(
    rest, db, owner, plaid_provider, knobs
):
    user, org = owner
    cid, _ = await _plaid_connection(db, plaid_provider, org, user.user["id"], plan="FREE")
    response = _sync(rest, user.token, cid)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["errors"]) == (2, 2)  # FREE: 2 bank accounts
    listed = call(rest, "GET", f"/api/v1/providers/{cid}/accounts", 200, headers=bearer(user.token))
    assert listed["total_count"] == 2
    # Upgraded, a forced sync brings the other two.
    await set_plan(db, user.user["id"], "PRO")
    body = _sync(rest, user.token, cid, force=True).json()
    assert (body["created"], body["unchanged"], body["errors"]) == (2, 2, 0)


async def test_a_sync_shows_in_the_cached_account_list_at_once(
    rest, db, owner, plaid_provider, knobs
):
    user, org = owner
    cid, _ = await _plaid_connection(db, plaid_provider, org, user.user["id"])
    assert (
        call(rest, "GET", "/api/v1/accounts", 200, headers=bearer(user.token))["total_count"] == 0
    )
    assert _sync(rest, user.token, cid).status_code == 201
    assert (
        call(rest, "GET", "/api/v1/accounts", 200, headers=bearer(user.token))["total_count"] == 4
    )


async def test_a_sync_older_than_15_minutes_needs_no_force(rest, db, owner, plaid_provider, knobs):
    user, org = owner
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    cid, _ = await _plaid_connection(db, plaid_provider, org, user.user["id"], last_sync_at=old)
    assert _sync(rest, user.token, cid).status_code == 201


async def test_login_required_disconnects_the_connection(rest, db, owner, plaid_provider, knobs):
    user, org = owner
    cid, token = await _plaid_connection(db, plaid_provider, org, user.user["id"])
    headers = bearer(user.token)
    # Cached before, reflected after.
    path = f"/api/v1/banking/connections/{cid}"
    assert call(rest, "GET", path, 200, headers=headers)["data"]["status"] == "ACTIVE"
    knobs.plaid("/sandbox/item/reset_login", token)
    problem = assert_problem(_sync(rest, user.token, cid), 400)
    assert "sign in again" in problem["detail"]
    data = call(rest, "GET", path, 200, headers=headers)["data"]
    assert data["status"] == "DISCONNECTED"
    assert data["errorCount"] == 1 and data["lastError"]
    assert token not in str(problem)


async def test_a_provider_outage_is_a_503_problem(rest, db, owner, plaid_provider, knobs):
    user, org = owner
    token = teller_token()
    knobs.teller(token, server_errors=5)
    cid = await insert_connection(db, org, user.user["id"], provider="TELLER", access_token=token)
    problem = assert_problem(_sync(rest, user.token, cid), 503)
    assert problem["type"].endswith("/provider_error")
    data = call(rest, "GET", f"/api/v1/banking/connections/{cid}", 200, headers=bearer(user.token))
    assert data["data"]["status"] == "ACTIVE"


async def test_teller_accounts_sync_too(rest, db, owner, plaid_provider, knobs):
    user, org = owner
    token = teller_token()
    cid = await insert_connection(db, org, user.user["id"], provider="TELLER", access_token=token)
    response = _sync(rest, user.token, cid)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2  # the sandbox enrollment's checking and savings
    listed = call(rest, "GET", f"/api/v1/providers/{cid}/accounts", 200, headers=bearer(user.token))
    assert {a["account_type"] for a in listed["accounts"]} == {"checking", "savings"}
    assert all(a["is_bank"] for a in listed["accounts"])
