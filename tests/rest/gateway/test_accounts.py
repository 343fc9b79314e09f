"""Seed 001 routes 4–5: a customer's accounts grouped by integration (the route Mappr's account
detail shares) and transactions across integrations."""

from __future__ import annotations

import uuid

from tests.factories.auth import sign_up
from tests.rest.banking.sandbox import plaid_public_token, wait_for_sync
from tests.rest.client import RFC3339_Z, assert_mappr_error, bearer, call
from tests.rest.gateway.conftest import register

ACCOUNT_KEYS = {
    "account_id",
    "account_number",
    "account_type",
    "bank_name",
    "currency",
    "balance",
    "available_balance",
    "account_holder_name",
}
TRANSACTION_KEYS = {
    "transaction_id",
    "account_id",
    "amount",
    "currency",
    "transaction_type",
    "status",
    "description",
    "timestamp",
}


async def customer_with_plaid(rest, db, stack):
    user = sign_up(rest)
    code = plaid_public_token(stack.sandbox_url, accounts=["checking", "savings"])
    linked = call(
        rest,
        "POST",
        "/api/v1/integrations/PLAID/connect",
        201,
        json={"code": code},
        headers=bearer(user.token),
    )["data"]
    await wait_for_sync(db, linked["id"])
    return user


def customer_accounts(rest, headers, customer_id, status=200):
    return call(rest, "GET", f"/api/v1/banking/accounts/{customer_id}", status, headers=headers)


async def test_a_customers_accounts_by_integration(rest, db, stack, service, admin_headers):
    register(rest, service.headers, stack, "PLAID")
    swift = register(rest, service.headers, stack, "SWIFT")
    user = await customer_with_plaid(rest, db, stack)
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(user.token))["data"]
    for headers in (service.headers, admin_headers):
        body = customer_accounts(rest, headers, me["id"])
        assert (
            set(body) == {"success", "customer_id", "accounts"} and body["customer_id"] == me["id"]
        )
        holding = [
            name
            for name, rows in body["accounts"].items()
            if rows and rows[0]["account_id"].count("-") == 4
        ]
        assert len(holding) == 1
        stored = body["accounts"][holding[0]]
        assert len(stored) == 2
        for account in stored:
            assert set(account) == ACCOUNT_KEYS
            assert (
                account["account_number"].startswith("****") and len(account["account_number"]) == 8
            )
            assert account["account_holder_name"].strip()
        rail = body["accounts"][swift]
        assert rail, body
        for account in rail:
            assert (
                ACCOUNT_KEYS
                <= set(account)
                <= ACCOUNT_KEYS | {"routing_number", "iban", "swift_code"}
            )
            assert account["account_number"].startswith("****")
            assert "iban" in account and "swift_code" in account


async def test_the_route_stays_mappr_account_detail_for_members(rest, db, stack):
    user = await customer_with_plaid(rest, db, stack)
    accounts = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(user.token))[
        "data"
    ]
    detail = call(
        rest,
        "GET",
        f"/api/v1/banking/accounts/{accounts[0]['id']}",
        200,
        headers=bearer(user.token),
    )
    assert set(detail) == {"success", "data"}
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(user.token))["data"]
    # A user id is a customer only for ADMIN users and services: to a member it is no account.
    other = sign_up(rest)
    answer = customer_accounts(rest, bearer(other.token), me["id"], status=404)
    assert_mappr_error(answer, code="RESOURCE_NOT_FOUND", status=404)


def test_an_id_naming_nobody_is_404(rest, service):
    for unknown in (str(uuid.uuid4()), "cust_123"):
        answer = customer_accounts(rest, service.headers, unknown, status=404)
        assert_mappr_error(answer, code="RESOURCE_NOT_FOUND", status=404)


async def test_transactions_across_integrations_with_errors_by_name(rest, db, stack, service):
    plaid = register(rest, service.headers, stack, "PLAID")
    ach = register(rest, service.headers, stack, "ACH")
    user = await customer_with_plaid(rest, db, stack)
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(user.token))["data"]
    grouped = customer_accounts(rest, service.headers, me["id"])["accounts"]
    stored_ids = [
        a["account_id"]
        for rows in grouped.values()
        for a in rows
        if a["account_id"].count("-") == 4
    ]
    rail_ids = [a["account_id"] for a in grouped[ach]]
    ghost = str(uuid.uuid4())
    holder = next(
        name for name, rows in grouped.items() if any(a["account_id"] in stored_ids for a in rows)
    )
    body = call(
        rest,
        "POST",
        "/api/v1/banking/transactions",
        200,
        json={
            "account_mappings": {
                holder: [*stored_ids, ghost],
                ach: [*rail_ids, "no-such-account"],
                "Ghost": ["1"],
            },
            "start_date": "2020-01-01",
            "limit": 5,
        },
        headers=service.headers,
    )
    assert set(body) == {"success", "transactions", "errors"}
    assert body["errors"]["Ghost"] and "no-such-account" in body["errors"][ach]
    # A stored account id that names nothing is reported too; the real ones still answer.
    assert ghost in body["errors"][holder]
    assert body["transactions"][ach], body
    for row in body["transactions"][ach] + body["transactions"][holder]:
        assert TRANSACTION_KEYS <= set(row)
        assert RFC3339_Z.match(row["timestamp"]) and row["transaction_type"] in ("DEBIT", "CREDIT")
    assert len(body["transactions"][ach]) <= 5 * len(rail_ids)
    assert plaid


def test_transactions_need_mappings(rest, service):
    answer = call(
        rest, "POST", "/api/v1/banking/transactions", 400, json={}, headers=service.headers
    )
    assert_mappr_error(answer, code="INVALID_INPUT", status=400, details=True)
