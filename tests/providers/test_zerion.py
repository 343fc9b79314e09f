"""The portfolio adapter (httpx, tenacity, purgatory) against the sandbox's Zerion API."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import pytest

from server.providers.base import ProviderUnavailable
from server.providers.zerion import CircuitOpen, ZerionClient


def _client(provider_settings, **kwargs) -> ZerionClient:
    return ZerionClient(
        provider_settings.zerion_api_base,
        provider_settings.zerion_api_key,
        timeout_s=10,
        **kwargs,
    )


@pytest.fixture
def address() -> str:
    return "0x" + uuid.uuid4().hex + uuid.uuid4().hex[:8]


async def test_positions_are_decimal_and_the_same_for_the_same_address(provider_settings, address):
    client = _client(provider_settings)
    try:
        first = await client.positions(address, "ethereum")
        assert first == await client.positions(address, "ethereum")
        assert [p.symbol for p in first][:2] == ["ETH", "USDC"]
        native, usdc = first[0], first[1]
        assert native.contract is None and usdc.contract is not None
        for p in first:
            assert isinstance(p.quantity, Decimal) and p.quantity > 0
            assert isinstance(p.price_usd, Decimal) and isinstance(p.value_usd, Decimal)
        assert abs(usdc.price_usd - 1) < Decimal("0.01")
        assert [p.symbol for p in await client.positions(address, "bitcoin")] == ["BTC"]
    finally:
        await client.close()


async def test_transactions_page_and_filter_by_time(provider_settings, address):
    client = _client(provider_settings)
    try:
        pages = [page async for page in client.transactions(address, "ethereum", None)]
        assert [len(p) for p in pages] == [100, 100, 100]
        found = [t for page in pages for t in page]
        assert len({(t.hash, t.log_index) for t in found}) == 300
        assert [t.timestamp for t in found] == sorted((t.timestamp for t in found), reverse=True)
        swap = next(t for t in found if t.type == "SWAP")
        assert swap.sent is not None and swap.received is not None
        assert (swap.sent.symbol, swap.received.symbol) == ("ETH", "USDC")
        assert isinstance(swap.fee_amount, Decimal) and swap.gas_used and swap.block_number > 0
        since = found[9].timestamp
        recent = [t async for page in client.transactions(address, "ethereum", since) for t in page]
        assert recent == found[:10]
        assert all(
            t.timestamp.tzinfo is dt.UTC or t.timestamp.utcoffset() == dt.timedelta(0)
            for t in recent
        )
    finally:
        await client.close()


async def test_nfts_and_an_aave_position(provider_settings, address):
    client = _client(provider_settings)
    try:
        nfts = await client.nfts(address, "polygon")
        assert len({n.collection_id for n in nfts}) == 2
        assert all(n.floor_price > 0 and n.floor_price_usd > 0 for n in nfts)
        (aave,) = await client.defi(address, "polygon")
        assert (aave.protocol, aave.type) == ("AAVE", "lending")
        assert [leg.symbol for leg in aave.borrowed] == ["USDC"]
        assert aave.supplied and aave.rewards and aave.health_factor
        assert await client.nfts(address, "solana") == []
    finally:
        await client.close()


async def test_server_errors_are_retried(provider_settings, knobs, address):
    client = _client(provider_settings)
    try:
        knobs.zerion(server_errors=2)
        assert await client.positions(address, "ethereum")
    finally:
        knobs.zerion(server_errors=0)
        await client.close()


async def test_the_breaker_opens_fails_fast_and_closes_after_its_open_time(
    provider_settings, knobs, address
):
    client = _client(provider_settings, breaker_threshold=2, breaker_open_s=1)
    try:
        knobs.zerion(unavailable=True)
        with pytest.raises(ProviderUnavailable) as first:
            await client.positions(address, "ethereum")
        assert not isinstance(first.value, CircuitOpen)
        with pytest.raises(CircuitOpen) as opened:  # the second failure opens it
            await client.positions(address, "ethereum")
        assert opened.value.retry_after == 1
        knobs.zerion(unavailable=False)
        with pytest.raises(CircuitOpen):  # still open: no request is sent
            await client.positions(address, "ethereum")
        await asyncio.sleep(1.1)
        assert await client.positions(address, "ethereum")
    finally:
        knobs.zerion(unavailable=False)
        await client.close()
