"""The portfolio and a wallet's transactions, NFTs and DeFi positions (seed 004), over data
written by the factories, in the documented shapes."""

from __future__ import annotations

import datetime as dt

from tests.factories.auth import sign_up
from tests.factories.crypto import (
    insert_defi,
    insert_nfts,
    insert_position,
    insert_transaction,
    insert_wallet,
)
from tests.factories.organizations import personal_org_id
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

WALLETS = "/api/v1/crypto/wallets"
PORTFOLIO_KEYS = {
    "totalBalanceUsd",
    "walletCount",
    "assetCount",
    "change24h",
    "topAssets",
    "breakdown",
    "lastSyncAt",
}
TOP_KEYS = {"symbol", "name", "balance", "balanceUsd", "price", "change24h", "percentage"}
TXN_KEYS = {
    "id",
    "walletId",
    "hash",
    "type",
    "from",
    "to",
    "timestamp",
    "blockNumber",
    "gasUsed",
    "gasFee",
    "status",
    "chain",
}


async def test_portfolio__empty_then_merged_across_active_wallets(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    empty = call(rest, "GET", "/api/v1/crypto/portfolio", 200, headers=bearer(user.token))["data"]
    assert set(empty) == PORTFOLIO_KEYS
    assert (empty["totalBalanceUsd"], empty["walletCount"], empty["lastSyncAt"]) == (0, 0, None)
    assert empty["change24h"] == {"usd": 0, "percent": 0}
    assert empty["breakdown"] == {"byNetwork": {}, "byCategory": {}}

    eth_wallet = await insert_wallet(db, org)
    poly_wallet = await insert_wallet(db, org, name="Polygon", network="POLYGON")
    idle = await insert_wallet(db, org, name="Old", is_active=False)
    # ETH in two wallets: 10 × 2000 (+0 %) and 5 × 2000; USDC 1000 at 1 (+0 %).
    await insert_position(db, eth_wallet, org, quantity="10", price="2000", change_24h="0")
    await insert_position(db, poly_wallet, org, quantity="5", price="2000", change_24h="0")
    await insert_position(
        db,
        poly_wallet,
        org,
        symbol="USDC",
        name="USD Coin",
        quantity="1000",
        price="1",
        change_24h="0",
        category="stablecoin",
        contract="0xusdc",
    )
    await insert_position(db, idle, org, symbol="BTC", name="Bitcoin", quantity="1", price="40000")
    data = call(rest, "GET", "/api/v1/crypto/portfolio", 200, headers=bearer(user.token))["data"]
    assert (data["totalBalanceUsd"], data["walletCount"], data["assetCount"]) == (31000, 2, 2)
    assert RFC3339_Z.match(data["lastSyncAt"])
    eth, usdc = data["topAssets"]
    assert set(eth) == TOP_KEYS
    assert (eth["symbol"], eth["balance"], eth["balanceUsd"], eth["price"]) == (
        "ETH",
        "15",
        30000,
        2000,
    )
    assert (eth["percentage"], usdc["percentage"]) == (96.8, 3.2)
    assert data["breakdown"] == {
        "byNetwork": {"ETHEREUM": 20000, "POLYGON": 11000},
        "byCategory": {"ethereum": 30000, "stablecoin": 1000},
    }
    assert data["change24h"] == {"usd": 0, "percent": 0}


async def test_portfolio__change_24h_from_position_prices_and_defi_and_nft_slices(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wid = await insert_wallet(db, org)
    # Worth 1100 now after +10 %: 1000 a day ago, so +100 USD.
    await insert_position(db, wid, org, quantity="1", price="1100", change_24h="10")
    await insert_defi(db, wid, org)
    await insert_nfts(db, wid, org, token_ids=("1",), floor_usd="500.00")
    data = call(rest, "GET", "/api/v1/crypto/portfolio", 200, headers=bearer(user.token))["data"]
    assert data["change24h"]["usd"] == 100
    assert data["totalBalanceUsd"] == 1100 + 20225.68 + 500
    assert data["breakdown"]["byCategory"] == {"ethereum": 1100, "defi": 20225.68, "nft": 500}
    assert data["topAssets"][0]["change24h"] == 10


async def test_transactions__documented_shape_filters_and_pages(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wid = await insert_wallet(db, org)
    day = dt.datetime(2025, 1, 21, 8, 30, tzinfo=dt.UTC)
    swap = await insert_transaction(db, wid, org, at=day)
    receive = await insert_transaction(
        db,
        wid,
        org,
        type="RECEIVE",
        at=day - dt.timedelta(days=2),
        sent_symbol=None,
        sent_name=None,
        sent_amount=None,
        gas_used=None,
    )
    path = f"{WALLETS}/{wid}/transactions"
    body = call(rest, "GET", path, 200, headers=bearer(user.token))
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "pages": 1}
    first, second = body["data"]
    assert set(first) == TXN_KEYS
    assert (first["id"], first["walletId"], first["type"], first["chain"]) == (
        str(swap),
        str(wid),
        "SWAP",
        "ETHEREUM",
    )
    assert first["from"] == {"symbol": "ETH", "name": "Ethereum", "amount": "1.5"}
    assert first["to"] == {"symbol": "USDC", "name": "USD Coin", "amount": "2500"}
    assert (first["timestamp"], first["blockNumber"], first["gasUsed"]) == (
        "2025-01-21T08:30:00Z",
        19234567,
        "123456",
    )
    assert first["gasFee"] == {"eth": "0.015", "usd": 35.4}
    assert first["status"] == "completed"
    assert (second["id"], second["from"], second["gasUsed"]) == (str(receive), None, None)

    def ids(query):
        return [
            t["id"]
            for t in call(rest, "GET", path + query, 200, headers=bearer(user.token))["data"]
        ]

    assert ids("?type=RECEIVE") == [str(receive)]
    assert ids("?type=swap") == [str(swap)]
    assert ids("?startDate=2025-01-21") == [str(swap)]
    assert ids("?endDate=2025-01-20") == [str(receive)]
    assert ids("?startDate=2025-01-21T09:00:00Z") == []
    assert ids("?page=2&limit=1") == [str(receive)]
    for query in (
        "?limit=10000",
        "?startDate=yesterday",
        "?startDate=2025-01-22&endDate=2025-01-20",
    ):
        error = call(rest, "GET", path + query, 400, headers=bearer(user.token))
        assert_mappr_error(error, code="INVALID_INPUT", status=400, details=True)


async def test_nfts__grouped_by_collection_with_default_page_of_20(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wid = await insert_wallet(db, org)
    apes = await insert_nfts(db, wid, org)
    await insert_nfts(
        db,
        wid,
        org,
        name="Azuki",
        address="0xed5af388653567af2f388e6224dc7c4b3241c544",
        token_ids=tuple(str(i) for i in range(30)),
        floor="5",
        floor_usd="11800.00",
    )
    path = f"{WALLETS}/{wid}/nfts"
    data = call(rest, "GET", path, 200, headers=bearer(user.token))["data"]
    assert set(data) == {"collections", "totalValue"}
    # Page 1 holds 20 of Azuki's 30 (collections by name, then token id): Bored Ape Yacht
    # Club's two are on page 2.
    (azuki,) = data["collections"]
    assert (azuki["name"], azuki["nftCount"], len(azuki["nfts"])) == ("Azuki", 30, 20)
    page2 = call(rest, "GET", path + "?page=2", 200, headers=bearer(user.token))["data"]
    assert [len(c["nfts"]) for c in page2["collections"]] == [10, 2]
    data = call(
        rest, "GET", path + "?collection=Bored Ape Yacht Club", 200, headers=bearer(user.token)
    )["data"]
    (col,) = data["collections"]
    assert set(col) == {
        "id",
        "name",
        "address",
        "floorPrice",
        "floorPriceUsd",
        "nftCount",
        "totalValue",
        "change24h",
        "nfts",
    }
    assert (col["id"], col["floorPrice"], col["floorPriceUsd"], col["nftCount"]) == (
        str(apes),
        34.5,
        81750.5,
        2,
    )
    assert (col["totalValue"], col["change24h"], data["totalValue"]) == (163501, 2.34, 163501)
    first = col["nfts"][0]
    assert set(first) == {"tokenId", "name", "image", "floorPrice", "floorPriceUsd", "rarity"}
    assert (first["tokenId"], first["name"], first["image"], first["rarity"]) == (
        "123",
        "Bored Ape #123",
        "ipfs://QmApe/123",
        "legendary",
    )
    assert col["nfts"][1]["rarity"] is None
    by_address = call(
        rest,
        "GET",
        path + "?collection=0xBC4CA0EDA7647A8AB7C2061C2E118A18A936F13D",
        200,
        headers=bearer(user.token),
    )["data"]
    assert [c["id"] for c in by_address["collections"]] == [str(apes)]


async def test_defi__documented_shape(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    wid = await insert_wallet(db, org)
    did = await insert_defi(db, wid, org)
    data = call(rest, "GET", f"{WALLETS}/{wid}/defi", 200, headers=bearer(user.token))["data"]
    assert set(data) == {"positions", "totalValue"}
    (pos,) = data["positions"]
    assert set(pos) == {
        "id",
        "protocol",
        "type",
        "supplied",
        "borrowed",
        "rewards",
        "netValue",
        "healthFactor",
        "lastUpdated",
    }
    assert UUID.match(pos["id"]) and pos["id"] == str(did)
    assert (pos["protocol"], pos["type"], pos["healthFactor"]) == ("AAVE", "lending", 2.45)
    assert pos["supplied"] == {"symbol": "ETH", "amount": "10.5", "value": 24768.9}
    assert pos["borrowed"] == {"symbol": "USDC", "amount": "5000", "value": 5000}
    assert pos["rewards"] == [{"symbol": "aAAVE", "amount": "2.34", "value": 456.78}]
    assert (pos["netValue"], data["totalValue"]) == (20225.68, 20225.68)
    assert RFC3339_Z.match(pos["lastUpdated"])
