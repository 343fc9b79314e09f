"""GET /api/v1/banking/accounts and /accounts/{id} (seed 004 "List Bank Accounts",
"Get Account Details")."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text

from tests.factories.auth import sign_up
from tests.factories.banking import Txn, insert_account, insert_transactions
from tests.rest.banking.bank import make_bank
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

LIST_KEYS = {
    "id",
    "name",
    "type",
    "balance",
    "currency",
    "institutionName",
    "lastSyncAt",
    "syncStatus",
    "isActive",
    "createdAt",
}
DETAIL_KEYS = {
    "id",
    "name",
    "type",
    "balance",
    "currency",
    "institutionName",
    "institutionId",
    "lastFour",
    "lastSyncAt",
    "syncStatus",
    "isActive",
    "createdAt",
    "updatedAt",
    "recentTransactions",
}


async def test_list__documented_shape_with_null_last_sync(rest, db):
    bank = await make_bank(rest, db)
    body = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bank.headers)
    assert set(body) == {"success", "data", "pagination"}
    assert body["success"] is True
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "pages": 1}
    first, second = body["data"]
    assert set(first) == LIST_KEYS
    assert first["id"] == str(bank.checking) and second["id"] == str(bank.savings)
    assert (first["name"], first["type"], first["balance"], first["currency"]) == (
        "Chase Checking Account",
        "CHECKING",
        5432.10,
        "USD",
    )
    assert second["balance"] == 25000
    assert first["institutionName"] == "Chase Bank"
    assert first["lastSyncAt"] is None
    assert (first["syncStatus"], first["isActive"]) == ("pending", True)
    assert RFC3339_Z.match(first["createdAt"])


async def test_list__last_sync_renders_as_time(rest, db):
    bank = await make_bank(rest, db)
    async with db.transaction() as s:
        await s.execute(
            text(
                "UPDATE financial_accounts SET last_sync_at = '2025-01-21T10:30:00Z',"
                " sync_status = 'completed' WHERE id = :id"
            ),
            {"id": bank.checking},
        )
    data = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bank.headers)["data"]
    assert data[0]["lastSyncAt"] == "2025-01-21T10:30:00Z"
    assert data[0]["syncStatus"] == "completed"


async def test_list__type_and_active_filters(rest, db):
    bank = await make_bank(rest, db)
    closed = await insert_account(
        db,
        bank.org_id,
        bank.connection_id,
        name="Old Card",
        type="CREDIT_CARD",
        subtype="other",
        is_active=False,
    )
    get = lambda q: call(  # noqa: E731
        rest, "GET", f"/api/v1/banking/accounts{q}", 200, headers=bank.headers
    )
    assert [a["id"] for a in get("?type=SAVINGS")["data"]] == [str(bank.savings)]
    assert [a["id"] for a in get("?type=savings")["data"]] == [str(bank.savings)]
    assert get("?type=CREDIT_CARD")["data"] == []
    inactive = get("?isActive=false")
    assert [a["id"] for a in inactive["data"]] == [str(closed)]
    assert inactive["data"][0]["isActive"] is False
    assert inactive["pagination"]["total"] == 1
    assert [a["id"] for a in get("?isActive=false&type=CREDIT_CARD")["data"]] == [str(closed)]
    assert get("?isActive=true")["pagination"]["total"] == 2


async def test_list__pagination(rest, db):
    bank = await make_bank(rest, db)
    body = call(rest, "GET", "/api/v1/banking/accounts?limit=1&page=2", 200, headers=bank.headers)
    assert [a["id"] for a in body["data"]] == [str(bank.savings)]
    assert body["pagination"] == {"page": 2, "limit": 1, "total": 2, "pages": 2}
    past = call(rest, "GET", "/api/v1/banking/accounts?page=3&limit=1", 200, headers=bank.headers)
    assert past["data"] == [] and past["pagination"]["total"] == 2
    capped = call(rest, "GET", "/api/v1/banking/accounts?limit=100", 200, headers=bank.headers)
    assert capped["pagination"]["limit"] == 100


async def test_list__bad_parameters_answer_400_naming_the_field(rest, db):
    bank = await make_bank(rest, db)
    for query, field in (("limit=101", "limit"), ("page=0", "page"), ("type=GOLD", "type")):
        body = call(rest, "GET", f"/api/v1/banking/accounts?{query}", 400, headers=bank.headers)
        assert_mappr_error(body, code="INVALID_INPUT", status=400)
        assert [e["field"] for e in body["details"]["errors"]] == [field]


async def test_list__only_the_organizations_accounts(rest, db):
    bank = await make_bank(rest, db)
    other = await make_bank(rest, db)
    ids = {
        a["id"]
        for a in call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bank.headers)["data"]
    }
    assert ids == {str(bank.checking), str(bank.savings)}
    stranger = sign_up(rest)
    body = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(stranger.token))
    assert body["data"] == [] and body["pagination"]["total"] == 0
    # Naming another organization is refused before any data is read.
    path = f"/api/v1/organizations/{other.org_id}/banking/accounts"
    assert_mappr_error(
        call(rest, "GET", path, 404, headers=bank.headers), code="RESOURCE_NOT_FOUND", status=404
    )


async def test_detail__documented_shape_with_latest_ten_transactions(rest, db):
    bank = await make_bank(rest, db)
    base = dt.datetime(2025, 1, 1, 8, 30, tzinfo=dt.UTC)
    ids = await insert_transactions(
        db,
        bank.org_id,
        bank.checking,
        [Txn(amount=f"-{i + 1}.50", date=base + dt.timedelta(days=i)) for i in range(12)],
    )
    await insert_transactions(
        db, bank.org_id, bank.savings, [Txn(amount="-99", date=base + dt.timedelta(days=30))]
    )
    body = call(rest, "GET", f"/api/v1/banking/accounts/{bank.checking}", 200, headers=bank.headers)
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == DETAIL_KEYS
    assert data["id"] == str(bank.checking) and UUID.match(data["id"])
    assert (data["institutionName"], data["institutionId"], data["lastFour"]) == (
        "Chase Bank",
        "ins_3",
        "1234",
    )
    assert data["lastSyncAt"] is None
    assert RFC3339_Z.match(data["createdAt"]) and RFC3339_Z.match(data["updatedAt"])
    recent = data["recentTransactions"]
    assert [t["id"] for t in recent] == [str(i) for i in reversed(ids[2:])]
    assert set(recent[0]) == {"id", "amount", "description", "date", "pending"}
    assert recent[0] == {
        "id": str(ids[11]),
        "amount": -12.5,
        "description": "STARBUCKS COFFEE",
        "date": "2025-01-12T08:30:00Z",
        "pending": False,
    }


async def test_detail__no_transactions_gives_empty_list(rest, db):
    bank = await make_bank(rest, db)
    data = call(rest, "GET", f"/api/v1/banking/accounts/{bank.savings}", 200, headers=bank.headers)[
        "data"
    ]
    assert data["recentTransactions"] == []
    assert data["lastFour"] == "5678" and data["type"] == "SAVINGS"


async def test_detail__unknown_malformed_or_foreign_id_is_404(rest, db):
    bank = await make_bank(rest, db)
    other = await make_bank(rest, db)
    for account in (other.checking, uuid.uuid4(), "not-a-uuid"):
        body = call(rest, "GET", f"/api/v1/banking/accounts/{account}", 404, headers=bank.headers)
        assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)
    # The owner sees it, also under the organization path.
    path = f"/api/v1/organizations/{other.org_id}/banking/accounts/{other.checking}"
    assert call(rest, "GET", path, 200, headers=other.headers)["data"]["id"] == str(other.checking)
