"""Shared by the Dashtam tests: RFC 9457 problem bodies and the documented account shape."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import update

from server.banking.models import FinancialAccount
from server.platform.db.database import Database
from tests.factories.banking import insert_account, insert_connection
from tests.rest.client import RFC3339_Z, UUID, bearer

ACCOUNT_KEYS = {
    "id",
    "connection_id",
    "provider_account_id",
    "account_number_masked",
    "name",
    "account_type",
    "currency",
    "balance_amount",
    "balance_currency",
    "available_balance_amount",
    "available_balance_currency",
    "is_active",
    "is_investment",
    "is_bank",
    "is_retirement",
    "is_credit",
    "last_synced_at",
    "created_at",
    "updated_at",
}
LIST_KEYS = {"accounts", "total_count", "active_count", "total_balance_by_currency"}
MONEY = r"^-?\d+\.\d{2}$"


def assert_problem(response: httpx.Response, status: int, detail: str | None = None) -> Any:
    """Seed 003 "Error Response Format (RFC 9457)": content type, keys, types."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "trace_id"}, body
    assert body["type"].startswith("https://api.dashtam.com/errors/")
    if status == 404:  # the seed's own example
        assert (body["type"], body["title"]) == (
            "https://api.dashtam.com/errors/not_found",
            "Not Found",
        )
    assert isinstance(body["title"], str) and body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"].startswith("/api/v1/")
    assert isinstance(body["trace_id"], str) and body["trace_id"]
    if detail is not None:
        assert body["detail"] == detail, body
    return body


def assert_account_shape(a: dict[str, Any]) -> None:
    assert set(a) == ACCOUNT_KEYS, set(a) ^ ACCOUNT_KEYS
    assert UUID.match(a["id"]) and UUID.match(a["connection_id"])
    assert isinstance(a["provider_account_id"], str)
    assert a["account_number_masked"] is None or re.match(
        r"^\*{4}\d{4}$", a["account_number_masked"]
    )
    assert re.match(MONEY, a["balance_amount"])
    if a["available_balance_amount"] is None:
        assert a["available_balance_currency"] is None
    else:
        assert re.match(MONEY, a["available_balance_amount"])
        assert a["available_balance_currency"] == a["currency"]
    for key in ("is_active", "is_investment", "is_bank", "is_retirement", "is_credit"):
        assert isinstance(a[key], bool)
    assert a["last_synced_at"] is None or RFC3339_Z.match(a["last_synced_at"])
    assert RFC3339_Z.match(a["created_at"]) and RFC3339_Z.match(a["updated_at"])


async def cached_then_fresh(
    c: httpx.Client, db: Database, token: str, org: str, user_id: str
) -> tuple[Any, Any, Any]:
    """The account list read three times: before a balance changes behind the routes' back
    (10.00), after it (20.00 in the database), and after a route disconnected the connection
    (which drops the documented cache keys)."""
    cid = await insert_connection(db, org, user_id)
    account = await insert_account(db, org, cid, balance="10.00")
    headers = bearer(token)
    first = c.get("/api/v1/accounts", headers=headers).json()
    async with db.transaction() as s:
        await s.execute(
            update(FinancialAccount).where(FinancialAccount.id == account).values(balance=20)
        )
    cached = c.get("/api/v1/accounts", headers=headers).json()
    path = f"/api/v1/banking/connections/{cid}/disconnect"
    assert c.post(path, json={}, headers=headers).status_code == 200
    fresh = c.get("/api/v1/accounts", headers=headers).json()
    return first, cached, fresh
