"""Wallet routes (seed 004 "Crypto Portfolio Endpoints"): add, list, get, update, delete, and
what bad input and other organizations get. Bodies are checked key by key against the
document's examples."""

from __future__ import annotations

from tests.factories.auth import sign_up
from tests.factories.crypto import insert_position, insert_wallet
from tests.factories.organizations import personal_org_id
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

WALLETS = "/api/v1/crypto/wallets"
# EIP-55's own examples: valid checksums.
CHECKSUMMED = (
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
)
SEED_BODY = {
    "name": "Trading Wallet",
    "address": "0xabcdef1234567890abcdef1234567890abcdef12",
    "network": "POLYGON",
    "type": "EXTERNAL",
    "notes": "My Polygon trading wallet",
}
CREATED_KEYS = {
    "id",
    "name",
    "address",
    "network",
    "type",
    "totalBalanceUsd",
    "assetCount",
    "syncStatus",
    "isActive",
    "notes",
    "createdAt",
}
LIST_KEYS = CREATED_KEYS | {"lastSyncAt", "updatedAt"}
DETAIL_KEYS = CREATED_KEYS | {"lastSyncAt", "positions"}
POSITION_KEYS = {
    "id",
    "assetSymbol",
    "assetName",
    "balance",
    "balanceUsd",
    "price",
    "change24h",
    "updatedAt",
}
UPDATED_KEYS = {"id", "name", "address", "network", "totalBalanceUsd", "notes", "updatedAt"}


def add(rest, token, body=None, *, status=201, **kwargs):
    return call(
        rest, "POST", WALLETS, status, json=body or SEED_BODY, headers=bearer(token), **kwargs
    )


def listed(rest, token, query=""):
    return call(rest, "GET", WALLETS + query, 200, headers=bearer(token))


def test_add__the_documented_example_answers_201_pending(rest):
    user = sign_up(rest)
    data = add(rest, user.token)["data"]
    assert set(data) == CREATED_KEYS
    assert UUID.match(data["id"]) and RFC3339_Z.match(data["createdAt"])
    assert {k: data[k] for k in SEED_BODY} == SEED_BODY
    assert (data["totalBalanceUsd"], data["assetCount"], data["isActive"]) == (0, 0, True)
    # The first sync is queued at once; the worker may already have started it.
    assert data["syncStatus"] in ("pending", "syncing", "completed", "failed")


def test_add__type_and_notes_are_optional_and_checksummed_addresses_are_stored_lower_case(rest):
    user = sign_up(rest)
    body = {"name": "Main", "address": CHECKSUMMED[0], "network": "ETHEREUM"}
    data = add(rest, user.token, body)["data"]
    assert (data["type"], data["notes"]) == ("EXTERNAL", None)
    assert data["address"] == CHECKSUMMED[0].lower()
    # The same address in another case, on the same network, is the same wallet.
    for address in (CHECKSUMMED[0].lower(), "0x" + CHECKSUMMED[0][2:].upper()):
        error = add(rest, user.token, {**body, "address": address}, status=409)
        assert_mappr_error(error, code="WALLET_ALREADY_ADDED", status=409, details=False)
        assert error["error"] == "Wallet already exists for this user"
    # On another network it is another wallet.
    add(rest, user.token, {**body, "network": "ARBITRUM"})


def test_add__the_plan_limit_answers_the_documented_403(rest):
    user = sign_up(rest)  # FREE: 3 wallets
    for address in CHECKSUMMED[:3]:
        add(rest, user.token, {"name": "W", "address": address, "network": "ETHEREUM"})
    body = {"name": "W", "address": CHECKSUMMED[3], "network": "ETHEREUM"}
    error = add(rest, user.token, body, status=403)
    assert_mappr_error(error, code="PLAN_LIMIT_EXCEEDED", status=403, details=True)
    assert error["error"] == "Wallet limit exceeded for your plan"
    assert error["details"] == {"current": 3, "limit": 3, "plan": "FREE"}
    assert listed(rest, user.token)["pagination"]["total"] == 3


def test_add__bad_input_is_refused_and_changes_nothing(rest):
    user = sign_up(rest)
    good = {"name": "W", "address": CHECKSUMMED[1], "network": "ETHEREUM"}
    cases = [
        ({**good, "network": "DOGECOIN"}, "INVALID_NETWORK", "network"),
        (
            {**good, "address": "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
            "INVALID_INPUT",
            "address",
        ),
        ({**good, "address": "0x1234"}, "INVALID_INPUT", "address"),
        ({**good, "address": "not-an-address"}, "INVALID_INPUT", "address"),
        ({**good, "network": "SOLANA"}, "INVALID_INPUT", "address"),
        ({**good, "network": "BITCOIN"}, "INVALID_INPUT", "address"),
        ({**good, "name": "  "}, "INVALID_INPUT", "name"),
        ({**good, "name": "x" * 101}, "INVALID_INPUT", "name"),
        ({**good, "type": "HOT"}, "INVALID_INPUT", "type"),
        ({k: v for k, v in good.items() if k != "address"}, "INVALID_INPUT", "address"),
    ]
    for body, code, field in cases:
        error = add(rest, user.token, body, status=400)
        assert_mappr_error(error, code=code, status=400, details=True)
        assert field in {e["field"] for e in error["details"]["errors"]}, (body, error)
    assert listed(rest, user.token)["pagination"]["total"] == 0


def test_add__solana_and_bitcoin_addresses(rest):
    user = sign_up(rest)
    for network, address in (
        ("SOLANA", "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"),
        ("BITCOIN", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("BITCOIN", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ):
        data = add(rest, user.token, {"name": network, "address": address, "network": network})
        assert (data["data"]["network"], data["data"]["address"]) == (network, address)


async def test_list__active_by_default_with_filters_and_pagination(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    eth = await insert_wallet(db, org)
    poly = await insert_wallet(db, org, name="Polygon", network="POLYGON")
    idle = await insert_wallet(db, org, name="Old", is_active=False)
    body = listed(rest, user.token)
    assert body["success"] is True
    assert set(body["pagination"]) == {"page", "limit", "total", "pages"}
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "pages": 1}
    assert [w["id"] for w in body["data"]] == [str(eth), str(poly)]
    first = body["data"][0]
    assert set(first) == LIST_KEYS
    assert (first["syncStatus"], first["lastSyncAt"], first["notes"]) == (
        "pending",
        None,
        "Main wallet for DeFi",
    )
    assert [w["id"] for w in listed(rest, user.token, "?isActive=false")["data"]] == [str(idle)]
    assert [w["id"] for w in listed(rest, user.token, "?network=POLYGON")["data"]] == [str(poly)]
    page = listed(rest, user.token, "?page=2&limit=1")
    assert [w["id"] for w in page["data"]] == [str(poly)]
    assert page["pagination"] == {"page": 2, "limit": 1, "total": 2, "pages": 2}
    for query, code in (
        ("?limit=10000", "INVALID_INPUT"),
        ("?page=0", "INVALID_INPUT"),
        ("?network=DOGECOIN", "INVALID_NETWORK"),
    ):
        error = call(rest, "GET", WALLETS + query, 400, headers=bearer(user.token))
        assert_mappr_error(error, code=code, status=400, details=True)


async def test_get__the_documented_detail_with_positions(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wid = await insert_wallet(db, org)
    await insert_position(db, wid, org)
    await insert_position(
        db,
        wid,
        org,
        symbol="USDC",
        name="USD Coin",
        quantity="10000.00",
        price="1.00",
        change_24h="0.02",
        category="stablecoin",
        contract="0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
    )
    data = call(rest, "GET", f"{WALLETS}/{wid}", 200, headers=bearer(user.token))["data"]
    assert set(data) == DETAIL_KEYS
    assert (data["syncStatus"], data["assetCount"]) == ("completed", 2)
    assert RFC3339_Z.match(data["lastSyncAt"])
    assert data["totalBalanceUsd"] == 22346.48  # 5.234 × 2358.90 = 12346.48 (cents) + 10000
    eth, usdc = data["positions"]
    assert set(eth) == POSITION_KEYS
    assert (eth["assetSymbol"], eth["assetName"], eth["balance"]) == ("ETH", "Ethereum", "5.234")
    assert (eth["balanceUsd"], eth["price"], eth["change24h"]) == (12346.48, 2358.9, 3.45)
    assert (usdc["assetSymbol"], usdc["balance"], usdc["balanceUsd"]) == ("USDC", "10000", 10000)


async def test_update_and_delete(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wid = await insert_wallet(db, org)
    path = f"{WALLETS}/{wid}"
    body = {"name": "Updated Wallet Name", "notes": "Updated notes", "isActive": True}
    data = call(rest, "PUT", path, 200, json=body, headers=bearer(user.token))["data"]
    assert set(data) == UPDATED_KEYS
    assert (data["name"], data["notes"], data["network"]) == (
        "Updated Wallet Name",
        "Updated notes",
        "ETHEREUM",
    )
    assert RFC3339_Z.match(data["updatedAt"])
    # Set aside: kept, but out of the default list; empty notes are cleared.
    data = call(
        rest, "PUT", path, 200, json={"isActive": False, "notes": ""}, headers=bearer(user.token)
    )["data"]
    assert data["notes"] is None
    assert listed(rest, user.token)["data"] == []
    error = call(rest, "PUT", path, 400, json={"name": ""}, headers=bearer(user.token))
    assert_mappr_error(error, code="INVALID_INPUT", status=400, details=True)
    call(rest, "DELETE", path, 204, headers=bearer(user.token))
    error = call(rest, "GET", path, 404, headers=bearer(user.token))
    assert_mappr_error(error, code="RESOURCE_NOT_FOUND", status=404, details=False)
    assert error["error"] == "Wallet not found"


async def test_another_organizations_wallet_is_404_on_every_wallet_route(rest, db):
    owner, stranger = sign_up(rest), sign_up(rest)
    wid = await insert_wallet(db, personal_org_id(rest, owner.token))
    path = f"{WALLETS}/{wid}"
    for method, suffix, body in (
        ("GET", "", None),
        ("PUT", "", {"name": "Mine now"}),
        ("DELETE", "", None),
        ("POST", "/sync", {}),
        ("GET", "/transactions", None),
        ("GET", "/nfts", None),
        ("GET", "/defi", None),
    ):
        error = call(rest, method, path + suffix, 404, json=body, headers=bearer(stranger.token))
        assert_mappr_error(error, code="RESOURCE_NOT_FOUND", status=404, details=False)
        assert error["error"] == "Wallet not found"
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        call(rest, "GET", f"{WALLETS}/{bad}", 404, headers=bearer(owner.token))
    # Still there, unchanged, for its owner.
    data = call(rest, "GET", path, 200, headers=bearer(owner.token))["data"]
    assert data["name"] == "Main Ethereum Wallet"
