"""A goal's amount follows its source: a bank account's or an asset account's balance, a crypto
wallet's positions in USD; a source of another organization is as unknown as none; progress
keeps one point per month."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert

from server.goals.models import GoalProgress
from tests.factories.auth import sign_up
from tests.factories.banking import insert_account, insert_connection
from tests.factories.crypto import insert_position, insert_wallet
from tests.factories.organizations import personal_org_id
from tests.rest.client import assert_mappr_error, bearer, call
from tests.rest.goals.helpers import create, get, listing, set_balance, today, update


async def _account(db, rest, user, balance):
    org = personal_org_id(rest, user.token)
    conn = await insert_connection(db, org, user.user["id"])
    return await insert_account(db, org, conn, balance=balance)


async def test_account_source_follows_the_balance_and_completes_once(db, rest):
    user = sign_up(rest)
    account = await _account(db, rest, user, "2500.00")
    body = {
        "name": "Fund",
        "targetAmount": 10000,
        "sourceType": "ACCOUNT",
        "sourceId": str(account),
    }
    goal_id = create(rest, user.token, body)["data"]["id"]
    await set_balance(db, "financial_accounts", account, "7600.40")
    data = get(rest, user.token, goal_id)["data"]
    assert (data["currentAmount"], data["percentComplete"], data["status"]) == (
        7600.4,
        76,
        "IN_PROGRESS",
    )
    assert [m["completed"] for m in data["milestones"]] == [True, True, True, False]
    await set_balance(db, "financial_accounts", account, "10000.00")
    assert listing(rest, user.token)["data"][0]["status"] == "COMPLETED"
    await set_balance(db, "financial_accounts", account, "9000.00")
    data = get(rest, user.token, goal_id)["data"]
    assert (data["currentAmount"], data["status"]) == (9000, "COMPLETED")
    assert all(m["completed"] for m in data["milestones"])
    # The amount comes from the source, not from the user.
    error = update(rest, user.token, goal_id, {"currentAmount": 5}, status=400)
    assert_mappr_error(error, code="INVALID_INPUT", status=400)
    # This month's one point holds the last amount observed.
    assert data["progress"] == [
        {"month": today().isoformat(), "amount": 9000, "contribution": 9000}
    ]


async def test_asset_account_source(db, rest):
    user = sign_up(rest)
    house = call(
        rest,
        "POST",
        "/api/v1/networth/accounts/assets",
        201,
        json={"name": "House", "type": "REAL_ESTATE", "balance": 250000},
        headers=bearer(user.token),
    )["data"]["id"]
    body = {
        "name": "Home",
        "targetAmount": 500000,
        "category": "HOME",
        "sourceType": "ACCOUNT",
        "sourceId": house,
    }
    data = create(rest, user.token, body)["data"]
    assert (data["currentAmount"], data["percentComplete"]) == (250000, 50)
    call(
        rest,
        "PUT",
        f"/api/v1/networth/accounts/{house}",
        200,
        json={"balance": 300000},
        headers=bearer(user.token),
    )
    assert get(rest, user.token, data["id"])["data"]["currentAmount"] == 300000


async def test_wallet_source_is_the_positions_in_usd(db, rest):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wallet = await insert_wallet(db, org)
    await insert_position(db, wallet, org, quantity="2", price="1500.25")
    await insert_position(
        db, wallet, org, symbol="USDC", name="USD Coin", quantity="99.5", price="1"
    )
    body = {"name": "Crypto", "targetAmount": 6200, "sourceType": "WALLET", "sourceId": str(wallet)}
    data = create(rest, user.token, body)["data"]
    assert data["currentAmount"] == 3100  # 3000.50 + 99.50
    await insert_position(
        db, wallet, org, symbol="BTC", name="Bitcoin", quantity="0.1", price="31000"
    )
    data = get(rest, user.token, data["id"])["data"]
    assert (data["currentAmount"], data["status"]) == (6200, "COMPLETED")


async def test_a_source_of_another_organization_is_404_and_creates_nothing(db, rest):
    owner, stranger = sign_up(rest), sign_up(rest)
    account = await _account(db, rest, owner, "100.00")
    org = personal_org_id(rest, owner.token)
    wallet = await insert_wallet(db, org)
    for source_type, source_id, message in (
        ("ACCOUNT", account, "Account not found"),
        ("WALLET", wallet, "Wallet not found"),
        ("ACCOUNT", uuid.uuid4(), "Account not found"),
        ("WALLET", account, "Wallet not found"),  # an account is no wallet
    ):
        body = {
            "name": "Steal",
            "targetAmount": 10,
            "sourceType": source_type,
            "sourceId": str(source_id),
        }
        error = create(rest, stranger.token, body, status=404)
        assert_mappr_error(error, code="RESOURCE_NOT_FOUND", status=404)
        assert error["error"] == message
    assert listing(rest, stranger.token)["pagination"]["total"] == 0


async def test_progress_is_one_point_per_month_with_its_contribution(db, rest):
    user = sign_up(rest)
    made = create(rest, user.token, {"name": "Fund", "targetAmount": 10000, "currentAmount": 1800})
    goal_id = made["data"]["id"]
    org = personal_org_id(rest, user.token)
    this_month = today().replace(day=1)
    last = this_month - dt.timedelta(days=1)  # the last month's last day
    before = last.replace(day=1) - dt.timedelta(days=1)
    async with db.transaction() as s:
        await s.execute(
            insert(GoalProgress),
            [
                {
                    "goal_id": goal_id,
                    "organization_id": org,
                    "month": d.replace(day=1),
                    "observed_on": d,
                    "amount": a,
                }
                for d, a in ((before, 1000), (last, 1500))
            ],
        )
    update(rest, user.token, goal_id, {"currentAmount": 2000})
    assert get(rest, user.token, goal_id)["data"]["progress"] == [
        {"month": before.isoformat(), "amount": 1000, "contribution": 1000},
        {"month": last.isoformat(), "amount": 1500, "contribution": 500},
        {"month": today().isoformat(), "amount": 2000, "contribution": 500},
    ]
