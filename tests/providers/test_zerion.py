"""The Zerion adapter against the sandbox over a socket: data, paging, retries, the breaker."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from server.providers.zerion import (
    AddressRejected,
    ChainTransaction,
    CircuitOpen,
    PortfolioUnavailable,
    ZerionClient,
)
from tests.factories.sandbox import settings_for

VITALIK = "0xd8da6bf26964af9d7eed9e10e62e7575f8e8f54b"
SOLANA = "So11111111111111111111111111111111111111112"
BITCOIN = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


async def _all(client: ZerionClient, address: str, chain: str, since=None):
    pages = [page async for page in client.transactions(address, chain, since)]
    return pages, [t for page in pages for t in page]


async def test_positions_are_deterministic_with_decimal_amounts(zerion):
    positions = await zerion.positions(VITALIK, "ethereum")
    assert await zerion.positions(VITALIK, "ethereum") == positions
    assert await zerion.positions(VITALIK, "polygon") != positions
    by_symbol = {p.symbol: p for p in positions}
    assert by_symbol["ETH"].contract is None and by_symbol["ETH"].name == "Ethereum"
    assert by_symbol["USDC"].contract is not None and by_symbol["USDC"].name == "USD Coin"
    assert len(positions) == 6
    for p in positions:
        for amount in (p.quantity, p.price_usd, p.value_usd, p.change_24h_percent):
            assert isinstance(amount, Decimal)
        assert p.quantity > 0
        assert abs(p.value_usd - p.quantity * p.price_usd) < Decimal("0.01")
    assert abs(by_symbol["USDC"].price_usd - 1) < Decimal("0.01")


async def test_each_chain_holds_its_native_asset(zerion):
    assert [p.symbol for p in await zerion.positions(VITALIK, "polygon")][:2] == ["POL", "USDC"]
    assert [p.symbol for p in await zerion.positions(SOLANA, "solana")] == ["SOL", "USDC"]
    assert [p.symbol for p in await zerion.positions(BITCOIN, "bitcoin")] == ["BTC"]
    assert await zerion.nfts(BITCOIN, "bitcoin") == []
    assert await zerion.defi(SOLANA, "solana") == []


async def test_volume_knob_sets_the_tokens_per_wallet(zerion, knobs, zerion_key):
    knobs.zerion(api_key=zerion_key, tokens_per_wallet=3)
    assert len(await zerion.positions(VITALIK, "ethereum")) == 3


async def test_transactions_page_newest_first_and_since_picks_a_prefix(zerion, knobs, zerion_key):
    knobs.zerion(api_key=zerion_key, transactions_per_wallet=250)
    pages, rows = await _all(zerion, VITALIK, "ethereum")
    assert [len(p) for p in pages] == [100, 100, 50]
    assert len({t.hash for t in rows}) == 250
    times = [t.timestamp for t in rows]
    assert times == sorted(times, reverse=True)
    assert all(t.tzinfo is not None and t.utcoffset() == dt.timedelta(0) for t in times)
    assert (await _all(zerion, VITALIK, "ethereum"))[1] == rows  # deterministic

    since = rows[120].timestamp
    _, recent = await _all(zerion, VITALIK, "ethereum", since)
    assert recent == rows[:121]


def _check(t: ChainTransaction) -> None:
    assert t.log_index == 0 and t.hash.startswith("0x") and len(t.hash) == 66
    assert t.status in ("completed", "failed")
    assert isinstance(t.block_number, int) and t.block_number > 0
    if t.type == "RECEIVE":
        assert t.fee_amount is None and t.gas_used is None and t.sent is None
        assert t.received is not None and t.received.symbol == "ETH"
    else:
        assert isinstance(t.fee_amount, Decimal) and t.fee_amount > 0
        assert t.fee_symbol == "ETH" and isinstance(t.fee_usd, Decimal)
        assert isinstance(t.gas_used, int) and t.gas_used >= 21_000
    for leg in (t.sent, t.received):
        if leg is not None:
            assert isinstance(leg.amount, Decimal) and leg.amount > 0


async def test_transaction_types_fees_and_legs(zerion):
    _, rows = await _all(zerion, VITALIK, "ethereum")
    assert len(rows) == 300
    types = {t.type for t in rows}
    assert {"SWAP", "TRANSFER", "RECEIVE", "APPROVE", "DEPOSIT", "WITHDRAW"} <= types
    for t in rows:
        _check(t)
    swap = next(t for t in rows if t.type == "SWAP")
    assert swap.sent is not None and swap.received is not None
    assert (swap.sent.symbol, swap.received.symbol) == ("ETH", "USDC")


async def test_new_transactions_reach_an_incremental_sync(zerion, knobs, evm_address):
    _, before = await _all(zerion, evm_address, "ethereum")
    newest = before[0].timestamp
    knobs.zerion(address=evm_address, chain="ethereum", extra_transactions=3)
    _, after = await _all(zerion, evm_address, "ethereum", newest + dt.timedelta(seconds=1))
    assert len(after) == 3 and all(t.timestamp > newest for t in after)
    assert (await _all(zerion, evm_address, "ethereum"))[1][3:] == before


async def test_nfts_have_collections_floor_prices_and_ipfs_images(zerion):
    nfts = await zerion.nfts(VITALIK, "ethereum")
    assert await zerion.nfts(VITALIK, "ethereum") == nfts
    assert len({n.collection_id for n in nfts}) == 2
    for n in nfts:
        assert n.collection_name and n.collection_address.startswith("0x")
        assert isinstance(n.floor_price, Decimal) and n.floor_price > 0
        assert isinstance(n.floor_price_usd, Decimal) and n.floor_price_usd > n.floor_price
        assert isinstance(n.change_24h_percent, Decimal)
        assert n.image is not None and n.image.startswith("ipfs://")
        assert n.name.endswith(f"#{n.token_id}")
        assert n.rarity in ("common", "rare", "epic", "legendary", None)


async def test_defi_groups_an_aave_lending_position(zerion):
    holdings = await zerion.defi(VITALIK, "ethereum")
    assert await zerion.defi(VITALIK, "ethereum") == holdings
    aave = next(h for h in holdings if h.protocol == "AAVE")
    assert aave.type == "lending"
    assert [(x.symbol, len(aave.borrowed), len(aave.rewards)) for x in aave.supplied] == [
        ("ETH", 1, 1)
    ]
    assert (aave.borrowed[0].symbol, aave.rewards[0].symbol) == ("USDC", "AAVE")
    for leg in (*aave.supplied, *aave.borrowed, *aave.rewards):
        assert isinstance(leg.amount, Decimal) and isinstance(leg.value_usd, Decimal)
    assert isinstance(aave.health_factor, Decimal) and aave.health_factor > 1
    assert aave.updated_at.tzinfo is not None
    lido = next(h for h in holdings if h.protocol == "LIDO")
    assert (lido.type, lido.health_factor, lido.borrowed) == ("staking", None, ())
    assert [h.protocol for h in await zerion.defi(VITALIK, "arbitrum")] == ["AAVE"]


async def test_a_few_server_errors_are_retried_away(zerion, knobs, zerion_key):
    expected = await zerion.positions(VITALIK, "ethereum")
    knobs.zerion(api_key=zerion_key, server_errors=2, error_status=502)
    assert await zerion.positions(VITALIK, "ethereum") == expected
    assert knobs.zerion(api_key=zerion_key)["server_errors"] == 0


async def test_a_timeout_is_retried(stack, knobs, zerion_key):
    settings = settings_for(
        stack.sandbox_url, ZERION_API_KEY=zerion_key, PROVIDER_TIMEOUT_SECONDS="0.5"
    )
    knobs.zerion(api_key=zerion_key, timeouts=1, timeout_ms=3000)
    async with ZerionClient.from_settings(settings) as client:
        assert len(await client.positions(VITALIK, "ethereum")) == 6
    assert knobs.zerion(api_key=zerion_key)["timeouts"] == 0


async def test_an_address_the_provider_refuses_is_not_retried_nor_counted(
    zerion, knobs, zerion_key
):
    for _ in range(3):  # more than the breaker's threshold of two
        with pytest.raises(AddressRejected, match="Invalid Ethereum address"):
            await zerion.positions("0x1234", "ethereum")
    assert len(await zerion.positions(VITALIK, "ethereum")) == 6


async def test_persistent_failures_open_the_breaker_then_it_recovers(zerion, knobs, zerion_key):
    knobs.zerion(api_key=zerion_key, unavailable=True)
    with pytest.raises(PortfolioUnavailable) as first:
        await zerion.positions(VITALIK, "ethereum")
    assert type(first.value) is PortfolioUnavailable  # the breaker is still closed
    with pytest.raises(CircuitOpen) as opening:  # the threshold's failure opens it
        await zerion.positions(VITALIK, "ethereum")
    assert opening.value.retry_after >= 1

    # Open: calls fail at once without reaching the provider (its one error stays unspent).
    knobs.zerion(api_key=zerion_key, unavailable=False, server_errors=1)
    with pytest.raises(CircuitOpen) as fast:
        await zerion.nfts(VITALIK, "ethereum")
    assert fast.value.retry_after > 0
    assert knobs.zerion(api_key=zerion_key)["server_errors"] == 1

    # After the open time one trial call goes through (its 5xx is retried away) and closes it.
    for _ in range(100):
        try:
            positions = await zerion.positions(VITALIK, "ethereum")
            break
        except CircuitOpen:
            await asyncio.sleep(0.1)
    else:
        pytest.fail("the breaker never let a call through")
    assert len(positions) == 6
    assert knobs.zerion(api_key=zerion_key)["server_errors"] == 0
    assert len(await zerion.nfts(VITALIK, "ethereum")) >= 2
