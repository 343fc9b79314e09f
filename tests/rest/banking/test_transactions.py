"""GET /api/v1/banking/transactions (seed 004 "Get Transactions"): shape, every filter alone
and combined, the summary over the filtered set, pagination and tenancy."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from tests.factories.banking import Txn, insert_transactions
from tests.rest.banking.bank import Bank, make_bank
from tests.rest.client import assert_mappr_error, call

ITEM_KEYS = {
    "id",
    "accountId",
    "accountName",
    "amount",
    "description",
    "merchantName",
    "merchantCategory",
    "category",
    "subcategory",
    "date",
    "timestamp",
    "pending",
    "currencyCode",
    "transactionType",
}


def at(day: int, month: int = 1, year: int = 2025, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@dataclass
class Ledger:
    bank: Bank
    ids: dict[str, str]

    def get(self, rest, params: dict[str, Any] | None = None, status: int = 200) -> Any:
        return call(
            rest,
            "GET",
            "/api/v1/banking/transactions",
            status,
            params=params,
            headers=self.bank.headers,
        )

    def names(self, body: Any) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[t["id"]] for t in body["data"]]


async def ledger(rest, db) -> Ledger:
    bank = await make_bank(rest, db)
    checking = [
        ("coffee", Txn(amount="-45.67", date=at(21, hour=8, minute=30))),
        (
            "amazon",
            Txn(
                amount="-120.00",
                date=at(18),
                description="AMAZON MKTPLACE",
                merchant_name="Amazon",
                merchant_category="Online Retail",
                category="Shopping",
                subcategory="Online",
            ),
        ),
        (
            "netflix",
            Txn(
                amount="-15.00",
                date=at(10, hour=12),
                description="NETFLIX.COM",
                merchant_name="Netflix",
                merchant_category="Streaming",
                category="Entertainment",
                subcategory="Streaming",
                pending=True,
            ),
        ),
        (
            "juice",
            Txn(
                amount="-30.25",
                date=at(5),
                description="100% PURE_JUICE",
                merchant_name=None,
                merchant_category=None,
                category=None,
                subcategory=None,
            ),
        ),
    ]
    savings = [
        (
            "salary",
            Txn(
                amount="1500.00",
                date=at(15),
                description="Direct Deposit",
                merchant_name="EMPLOYER INC",
                merchant_category="Payroll",
                category="Income",
                subcategory="Salary",
            ),
        ),
        (
            "transfer",
            Txn(
                amount="2000.00",
                date=at(30, 12, 2024),
                description="Transfer from brokerage",
                merchant_name=None,
                merchant_category=None,
                category="Transfer",
                subcategory=None,
            ),
        ),
    ]
    ids: dict[str, str] = {}
    for account, txns in ((bank.checking, checking), (bank.savings, savings)):
        made = await insert_transactions(db, bank.org_id, account, [t for _, t in txns])
        ids.update({name: str(i) for (name, _), i in zip(txns, made, strict=True)})
    return Ledger(bank, ids)


ALL = ["coffee", "amazon", "salary", "netflix", "juice", "transfer"]


async def test_documented_shape_order_and_summary(rest, db):
    lg = await ledger(rest, db)
    body = lg.get(rest)
    assert set(body) == {"success", "data", "pagination", "summary"}
    assert lg.names(body) == ALL
    for item in body["data"]:
        assert set(item) == ITEM_KEYS
    coffee, amazon, salary = body["data"][0], body["data"][1], body["data"][2]
    assert coffee == {
        "id": lg.ids["coffee"],
        "accountId": str(lg.bank.checking),
        "accountName": "Chase Checking Account",
        "amount": -45.67,
        "description": "STARBUCKS COFFEE",
        "merchantName": "Starbucks",
        "merchantCategory": "Coffee Shops",
        "category": "Food & Dining",
        "subcategory": "Coffee Shops",
        "date": "2025-01-21T08:30:00Z",
        "timestamp": "2025-01-21T08:30:00Z",
        "pending": False,
        "currencyCode": "USD",
        "transactionType": "debit",
    }
    assert amazon["category"] == "Shopping" and amazon["transactionType"] == "debit"
    assert salary["accountName"] == "Chase Savings Account"
    assert (salary["amount"], salary["transactionType"]) == (1500, "credit")
    juice = body["data"][4]
    assert juice["merchantName"] is None and juice["merchantCategory"] is None
    assert juice["category"] is None and juice["subcategory"] is None
    assert body["data"][3]["pending"] is True
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 6, "pages": 1}
    assert body["summary"] == {
        "totalIncome": 3500,
        "totalExpenses": 210.92,
        "netFlow": 3289.08,
        "transactionCount": 6,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "Shopping"}, ["amazon"]),
        ({"category": "Food & Dining"}, ["coffee"]),
        ({"startDate": "2025-01-10"}, ["coffee", "amazon", "salary", "netflix"]),
        ({"endDate": "2025-01-10"}, ["netflix", "juice", "transfer"]),
        ({"startDate": "2025-01-10T12:00:01Z"}, ["coffee", "amazon", "salary"]),
        ({"endDate": "2025-01-10T12:00:00Z"}, ["netflix", "juice", "transfer"]),
        ({"endDate": "2025-01-10T11:59:59+00:00"}, ["juice", "transfer"]),
        ({"startDate": "2025-01-05", "endDate": "2025-01-15"}, ["salary", "netflix", "juice"]),
        ({"minAmount": "-40"}, ["salary", "netflix", "juice", "transfer"]),
        ({"maxAmount": "0"}, ["coffee", "amazon", "netflix", "juice"]),
        ({"minAmount": "-50", "maxAmount": "-20"}, ["coffee", "juice"]),
        ({"searchText": "starbucks"}, ["coffee"]),
        ({"searchText": "deposit"}, ["salary"]),
        ({"searchText": "%"}, ["juice"]),
        ({"searchText": "_"}, ["juice"]),
        ({"searchText": "nothing like it"}, []),
        (
            {"category": "Shopping", "minAmount": "-200", "startDate": "2025-01-01"},
            ["amazon"],
        ),
        ({"category": "Shopping", "maxAmount": "-150"}, []),
        ({"maxAmount": "-20", "endDate": "2025-01-19", "searchText": "e"}, ["amazon", "juice"]),
    ],
    ids=lambda v: str(v),
)
async def test_filter(rest, db, params, expected):
    lg = await ledger(rest, db)
    body = lg.get(rest, params)
    assert lg.names(body) == expected
    assert body["pagination"]["total"] == len(expected)
    assert body["summary"]["transactionCount"] == len(expected)


async def test_account_filter_and_combined_summary(rest, db):
    lg = await ledger(rest, db)
    body = lg.get(rest, {"accountId": str(lg.bank.savings)})
    assert lg.names(body) == ["salary", "transfer"]
    assert body["summary"] == {
        "totalIncome": 3500,
        "totalExpenses": 0,
        "netFlow": 3500,
        "transactionCount": 2,
    }
    body = lg.get(rest, {"accountId": str(lg.bank.checking), "startDate": "2025-01-10"})
    assert lg.names(body) == ["coffee", "amazon", "netflix"]
    assert body["summary"] == {
        "totalIncome": 0,
        "totalExpenses": 180.67,
        "netFlow": -180.67,
        "transactionCount": 3,
    }


async def test_summary_covers_the_filtered_set_not_the_page(rest, db):
    lg = await ledger(rest, db)
    first = lg.get(rest, {"limit": 2})
    assert lg.names(first) == ALL[:2]
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 6, "pages": 3}
    assert first["summary"]["transactionCount"] == 6
    assert first["summary"]["totalExpenses"] == 210.92
    third = lg.get(rest, {"limit": 2, "page": 3})
    assert lg.names(third) == ALL[4:]
    assert third["summary"] == first["summary"]
    past = lg.get(rest, {"limit": 2, "page": 4})
    assert past["data"] == [] and past["pagination"]["total"] == 6
    assert past["summary"]["transactionCount"] == 6
    debits = lg.get(rest, {"maxAmount": "0", "limit": 1, "page": 2})
    assert lg.names(debits) == ["amazon"]
    assert debits["summary"] == {
        "totalIncome": 0,
        "totalExpenses": 210.92,
        "netFlow": -210.92,
        "transactionCount": 4,
    }
    assert lg.get(rest, {"limit": 100})["pagination"]["limit"] == 100


async def test_user_category_overrides_the_providers(rest, db):
    lg = await ledger(rest, db)
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE bank_transactions SET user_category = 'Gifts' WHERE id = :id"),
            {"id": uuid.UUID(lg.ids["amazon"])},
        )
    body = lg.get(rest, {"category": "Gifts"})
    assert lg.names(body) == ["amazon"]
    assert body["data"][0]["category"] == "Gifts"
    assert lg.names(lg.get(rest, {"category": "Shopping"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"startDate": "yesterday"}, "startDate"),
        ({"endDate": "2025-13-01"}, "endDate"),
        ({"startDate": "2025-01-10", "endDate": "2025-01-09"}, "endDate"),
        ({"minAmount": "abc"}, "minAmount"),
        ({"maxAmount": "NaN"}, "maxAmount"),
        ({"minAmount": "10", "maxAmount": "5"}, "maxAmount"),
        ({"accountId": "not-a-uuid"}, "accountId"),
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"page": "0"}, "page"),
        ({"searchText": "x" * 201}, "searchText"),
    ],
    ids=lambda v: str(v)[:40],
)
async def test_invalid_parameter_answers_400_naming_it(rest, db, params, field):
    lg = await ledger(rest, db)
    body = lg.get(rest, params, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert [e["field"] for e in body["details"]["errors"]] == [field]


async def test_another_organizations_rows_stay_invisible(rest, db):
    lg = await ledger(rest, db)
    other = await ledger(rest, db)
    assert set(lg.ids.values()).isdisjoint(t["id"] for t in other.get(rest)["data"])
    assert lg.get(rest)["summary"]["transactionCount"] == 6
    for account in (other.bank.checking, uuid.uuid4()):
        body = lg.get(rest, {"accountId": str(account)}, status=404)
        assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)


async def test_a_cached_filtered_summary_follows_every_write(rest, db):
    # Filtered summaries are cached under the organization's bank data version: a new
    # transaction, a user edit and a delete each show in the very next request.
    lg = await ledger(rest, db)
    debits = {"maxAmount": "0", "limit": 1}
    assert lg.get(rest, debits)["summary"]["transactionCount"] == 4
    assert lg.get(rest, debits)["summary"]["transactionCount"] == 4  # served from the cache
    await insert_transactions(db, lg.bank.org_id, lg.bank.checking, [Txn("-10.00", at(20))])
    assert lg.get(rest, debits)["summary"]["transactionCount"] == 5
    shopping = {"category": "Shopping", "limit": 1}
    before = lg.get(rest, shopping)["summary"]["transactionCount"]
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE bank_transactions SET user_category = 'Gifts' WHERE id = :id"),
            {"id": uuid.UUID(lg.ids["amazon"])},
        )
    assert lg.get(rest, shopping)["summary"]["transactionCount"] == before - 1
    async with db.transaction() as s:
        await s.execute(
            text("DELETE FROM bank_transactions WHERE account_id = :a AND amount = -10.00"),
            {"a": lg.bank.checking},
        )
    assert lg.get(rest, debits)["summary"]["transactionCount"] == 4
