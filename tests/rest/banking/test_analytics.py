"""GET /api/v1/banking/analytics/spending/categories (seed 004 "Get Spending Analytics"),
against figures computed by hand from the rows below."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.factories.banking import Txn, insert_transactions
from tests.rest.banking.bank import Bank, make_bank
from tests.rest.client import assert_mappr_error, call

PATH = "/api/v1/banking/analytics/spending/categories"
CATEGORY_KEYS = {
    "category",
    "totalAmount",
    "percentOfTotal",
    "transactionCount",
    "change",
    "changePercent",
    "trend",
    "topMerchants",
}
CUSTOM = {"period": "custom", "startDate": "2025-01-01", "endDate": "2025-01-10"}


def at(day: int, month: int = 1, year: int = 2025, hour: int = 12, minute: int = 0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def spend(amount: str, when: dt.datetime, merchant: str | None, category: str | None) -> Txn:
    return Txn(
        amount=amount,
        date=when,
        description=(merchant or "POS PURCHASE").upper(),
        merchant_name=merchant,
        category=category,
        subcategory=None,
    )


async def january(rest, db) -> Bank:
    """Spending 1–10 January 2025 and in the 10 days before (22–31 December 2024)."""
    bank = await make_bank(rest, db)
    food, shop = "Food & Dining", "Shopping"
    checking = [
        spend("-5.00", at(1, hour=0), "Starbucks", food),
        spend("-4.50", at(2), "Starbucks", food),
        spend("-12.00", at(3), "Chipotle", food),
        spend("-8.00", at(9), "Subway", food),
        spend("-3.00", at(10, hour=23, minute=59), "Panera", food),
        spend("-100.00", at(4), "Amazon", shop),
        spend("-50.00", at(5), "Amazon", shop),
        spend("-10.00", at(7), None, None),
        spend("1000.00", at(5), "EMPLOYER INC", "Income"),  # money in: not spending
        spend("-999.00", at(11, hour=0), "Amazon", shop),  # the day after the period
        # The previous period.
        spend("-40.00", at(25, 12, 2024), "Starbucks", food),
        spend("-100.00", at(22, 12, 2024, hour=0), "Amazon", shop),
        spend("-300.00", at(31, 12, 2024, hour=23), "Delta", "Travel"),
        spend("-500.00", at(21, 12, 2024, hour=23, minute=59), "Amazon", shop),  # before it
    ]
    await insert_transactions(db, bank.org_id, bank.checking, checking)
    await insert_transactions(
        db, bank.org_id, bank.savings, [spend("-25.00", at(6), "Target", shop)]
    )
    return bank


def get(rest, bank: Bank, params: dict, status: int = 200):
    return call(rest, "GET", PATH, status, params=params, headers=bank.headers)


async def test_custom_period__hand_computed_figures(rest, db):
    bank = await january(rest, db)
    body = get(rest, bank, CUSTOM)
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == {"period", "startDate", "endDate", "totalSpent", "categories", "insights"}
    assert (data["period"], data["startDate"], data["endDate"]) == (
        "custom",
        "2025-01-01",
        "2025-01-10",
    )
    # 32.50 food + 175 shopping + 10 uncategorized
    assert data["totalSpent"] == 217.5
    shopping, food, other = data["categories"]
    for c in data["categories"]:
        assert set(c) == CATEGORY_KEYS
    assert shopping == {
        "category": "Shopping",
        "totalAmount": 175,
        "percentOfTotal": 80.46,
        "transactionCount": 3,
        "change": 75,  # 175 − 100
        "changePercent": 75,
        "trend": "up",
        "topMerchants": [
            {"name": "Amazon", "amount": 150, "count": 2},
            {"name": "Target", "amount": 25, "count": 1},
        ],
    }
    assert food == {
        "category": "Food & Dining",
        "totalAmount": 32.5,
        "percentOfTotal": 14.94,
        "transactionCount": 5,
        "change": -7.5,  # 32.50 − 40
        "changePercent": -18.75,
        "trend": "down",
        "topMerchants": [
            {"name": "Chipotle", "amount": 12, "count": 1},
            {"name": "Starbucks", "amount": 9.5, "count": 2},
            {"name": "Subway", "amount": 8, "count": 1},
        ],
    }
    assert other == {
        "category": "Uncategorized",
        "totalAmount": 10,
        "percentOfTotal": 4.6,
        "transactionCount": 1,
        "change": 10,
        "changePercent": 100,
        "trend": "up",
        "topMerchants": [],
    }
    assert data["insights"] == [
        "Shopping category has highest spending",
        "Shopping spending is up 75% vs the previous 10 days",
        "Food & Dining spending is down 19% vs the previous 10 days",
        # 217.50 against 440 (Travel spent only before)
        "Total spending is down 51% vs the previous 10 days",
    ]


async def test_limit_keeps_the_total_and_shares(rest, db):
    bank = await january(rest, db)
    data = get(rest, bank, {**CUSTOM, "limit": 1})["data"]
    assert [c["category"] for c in data["categories"]] == ["Shopping"]
    assert data["totalSpent"] == 217.5
    assert data["categories"][0]["percentOfTotal"] == 80.46


async def test_account_filter(rest, db):
    bank = await january(rest, db)
    data = get(rest, bank, {**CUSTOM, "accountId": str(bank.savings)})["data"]
    assert data["totalSpent"] == 25
    assert data["categories"] == [
        {
            "category": "Shopping",
            "totalAmount": 25,
            "percentOfTotal": 100,
            "transactionCount": 1,
            "change": 25,
            "changePercent": 100,
            "trend": "up",
            "topMerchants": [{"name": "Target", "amount": 25, "count": 1}],
        }
    ]


async def test_flat_trend_and_no_spending(rest, db):
    bank = await make_bank(rest, db)
    await insert_transactions(
        db,
        bank.org_id,
        bank.checking,
        [
            spend("-20", at(5), "Uber", "Transport"),
            spend("-20", at(28, 12, 2024), "Uber", "Transport"),
        ],
    )
    data = get(rest, bank, CUSTOM)["data"]
    (transport,) = data["categories"]
    assert (transport["change"], transport["changePercent"], transport["trend"]) == (0, 0, "flat")
    assert data["insights"] == ["Transport category has highest spending"]
    empty = get(
        rest, bank, {"period": "custom", "startDate": "2020-01-01", "endDate": "2020-01-31"}
    )
    assert empty["data"]["totalSpent"] == 0 and empty["data"]["categories"] == []
    assert empty["data"]["insights"] == ["No spending in this period"]


@pytest.mark.parametrize(("period", "days"), [(None, 30), ("last_7_days", 7), ("last_90_days", 90)])
async def test_rolling_periods_end_today(rest, db, period, days):
    bank = await make_bank(rest, db)
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    midnight = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    await insert_transactions(
        db,
        bank.org_id,
        bank.checking,
        [
            spend("-7", midnight, "Shell", "Gas"),  # the first instant of the period
            spend("-3", midnight - dt.timedelta(seconds=1), "Shell", "Gas"),  # the one before
        ],
    )
    data = get(rest, bank, {"period": period} if period else {})["data"]
    assert data["period"] == (period or "last_30_days")
    assert (data["startDate"], data["endDate"]) == (first.isoformat(), today.isoformat())
    (gas,) = data["categories"]
    assert (gas["totalAmount"], gas["transactionCount"], gas["change"]) == (7, 1, 4)


async def test_year_to_date(rest, db):
    bank = await make_bank(rest, db)
    data = get(rest, bank, {"period": "ytd"})["data"]
    today = dt.datetime.now(dt.UTC).date()
    assert (data["startDate"], data["endDate"]) == (
        today.replace(month=1, day=1).isoformat(),
        today.isoformat(),
    )


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"period": "last_year"}, ["period"]),
        ({"period": "custom"}, ["startDate", "endDate"]),
        ({"period": "custom", "startDate": "2025-01-01"}, ["endDate"]),
        ({"period": "custom", "startDate": "2025-01-10", "endDate": "2025-01-01"}, ["endDate"]),
        ({"period": "custom", "startDate": "01/01/2025", "endDate": "2025-01-10"}, ["startDate"]),
        ({"period": "last_7_days", "startDate": "2025-01-01"}, ["period"]),
        ({"limit": 0}, ["limit"]),
        ({"limit": 101}, ["limit"]),
        ({"accountId": "abc"}, ["accountId"]),
    ],
    ids=lambda v: str(v)[:50],
)
async def test_invalid_parameters_answer_400(rest, db, params, fields):
    bank = await make_bank(rest, db)
    body = get(rest, bank, params, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert [e["field"] for e in body["details"]["errors"]] == fields


async def test_another_organizations_account_is_404_and_its_spending_invisible(rest, db):
    bank = await make_bank(rest, db)
    other = await january(rest, db)
    for account in (other.checking, uuid.uuid4()):
        body = get(rest, bank, {**CUSTOM, "accountId": str(account)}, status=404)
        assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)
    assert get(rest, bank, CUSTOM)["data"]["totalSpent"] == 0
