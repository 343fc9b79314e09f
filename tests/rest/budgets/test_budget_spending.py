"""Budgets come alive: spent, remaining, percentUsed, status, alerts and the transaction list are
computed from the organization's bank transactions in the budget's current period."""

from __future__ import annotations

import datetime as dt

from tests.factories.auth import sign_up
from tests.factories.banking import Txn, insert_account, insert_connection, insert_transactions
from tests.factories.organizations import personal_org_id
from tests.rest.client import RFC3339_Z, bearer, call


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


async def _bank(db, rest, user):
    org = personal_org_id(rest, user.token)
    conn = await insert_connection(db, org, user.user["id"])
    checking = await insert_account(db, org, conn)
    savings = await insert_account(db, org, conn, name="Savings", type="SAVINGS", subtype="savings")
    return org, checking, savings


def _budget(rest, token, **body):
    start = _today() - dt.timedelta(days=5)
    payload = {
        "name": "Food",
        "amount": 100.00,
        "period": "MONTHLY",
        "sourceType": "CATEGORY",
        "sourceId": "food & dining",
        "startDate": start.isoformat(),
        "alerts": [
            {"threshold": 50, "enabled": True},
            {"threshold": 75, "enabled": True},
            {"threshold": 100, "enabled": True},
        ],
        **body,
    }
    return call(rest, "POST", "/api/v1/budgets", 201, json=payload, headers=bearer(token))["data"]


async def test_category_budget_counts_its_spending_in_the_period(db, rest):
    user = sign_up(rest)
    org, checking, savings = await _bank(db, rest, user)
    today = _today()
    await insert_transactions(
        db,
        org,
        checking,
        [
            Txn("-30.00", _at(today - dt.timedelta(days=3))),
            Txn("-50.00", _at(today - dt.timedelta(days=1)), description="GROCER"),
            # Income, another category and a transaction before the period are not counted.
            Txn("1500.00", _at(today), category="Income", description="PAYROLL"),
            Txn("-99.00", _at(today), category="Shopping", description="AMAZON"),
            Txn("-500.00", _at(today - dt.timedelta(days=40))),
        ],
    )
    await insert_transactions(db, org, savings, [Txn("-4.00", _at(today))])
    budget = _budget(rest, user.token)
    assert (budget["spent"], budget["remaining"], budget["percentUsed"]) == (84.0, 16.0, 84.0)
    assert budget["status"] == "AT_RISK"
    data = call(rest, "GET", f"/api/v1/budgets/{budget['id']}", 200, headers=bearer(user.token))[
        "data"
    ]
    # Newest first.
    assert [t["amount"] for t in data["transactions"]] == [4.0, 50.0, 30.0]
    assert set(data["transactions"][0]) == {"id", "amount", "description", "date"}
    assert RFC3339_Z.match(data["transactions"][0]["date"])
    alerts = {a["threshold"]: a for a in data["alerts"]}
    assert alerts[50]["triggered"] is True and alerts[75]["triggered"] is True
    # The 50% line was crossed by the second transaction (30 + 50 = 80 ≥ 50).
    crossed = _at(today - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert alerts[50]["triggeredAt"] == crossed
    assert alerts[100]["triggered"] is False and alerts[100]["triggeredAt"] is None


async def test_account_and_all_budgets_and_exceeded_status(db, rest):
    user = sign_up(rest)
    org, checking, savings = await _bank(db, rest, user)
    today = _today()
    await insert_transactions(db, org, checking, [Txn("-80.00", _at(today))])
    await insert_transactions(db, org, savings, [Txn("-40.00", _at(today), category="Travel")])
    by_account = _budget(rest, user.token, sourceType="ACCOUNT", sourceId=str(savings))
    everything = _budget(rest, user.token, sourceType="ALL", sourceId=None)
    assert (by_account["spent"], by_account["status"]) == (40.0, "ON_TRACK")
    assert (everything["spent"], everything["status"]) == (120.0, "EXCEEDED")
    assert everything["remaining"] == -20.0


async def test_another_organizations_transactions_never_count(db, rest):
    user, other = sign_up(rest), sign_up(rest)
    org, checking, _ = await _bank(db, rest, other)
    await insert_transactions(db, org, checking, [Txn("-80.00", _at(_today()))])
    budget = _budget(rest, user.token, sourceType="ALL", sourceId=None)
    assert (budget["spent"], budget["status"]) == (0, "ON_TRACK")


async def test_account_budget_must_name_an_account_of_the_organization(db, rest):
    user, other = sign_up(rest), sign_up(rest)
    _, foreign_account, _ = await _bank(db, rest, other)
    headers = bearer(user.token)
    body = {"name": "Checking", "amount": 100, "period": "MONTHLY", "sourceType": "ACCOUNT"}
    malformed = call(
        rest,
        "POST",
        "/api/v1/budgets",
        400,
        json={**body, "sourceId": "not-a-uuid"},
        headers=headers,
    )
    assert [e["field"] for e in malformed["details"]["errors"]] == ["sourceId"]
    foreign = call(
        rest,
        "POST",
        "/api/v1/budgets",
        404,
        json={**body, "sourceId": str(foreign_account)},
        headers=headers,
    )
    assert foreign["code"] == "RESOURCE_NOT_FOUND"
    unknown = "00000000-0000-7000-8000-000000000000"
    call(rest, "POST", "/api/v1/budgets", 404, json={**body, "sourceId": unknown}, headers=headers)
    assert call(rest, "GET", "/api/v1/budgets", 200, headers=headers)["data"] == []
