"""The network table: names, provider chain ids, native assets and their category keys."""

from __future__ import annotations

import pytest

from server.crypto.networks import BY_CHAIN_ID, NAMES, Family, UnknownNetwork, find, lookup


def test_the_supported_networks_in_the_documented_spelling():
    assert NAMES == (
        "ETHEREUM",
        "POLYGON",
        "ARBITRUM",
        "OPTIMISM",
        "BASE",
        "BSC",
        "AVALANCHE",
        "SOLANA",
        "BITCOIN",
    )


@pytest.mark.parametrize(
    ("name", "family", "chain_id", "symbol", "category"),
    [
        ("ETHEREUM", Family.EVM, "ethereum", "ETH", "ethereum"),
        ("POLYGON", Family.EVM, "polygon", "POL", "polygon"),
        ("ARBITRUM", Family.EVM, "arbitrum", "ETH", "ethereum"),
        ("OPTIMISM", Family.EVM, "optimism", "ETH", "ethereum"),
        ("BASE", Family.EVM, "base", "ETH", "ethereum"),
        ("BSC", Family.EVM, "binance-smart-chain", "BNB", "bnb"),
        ("AVALANCHE", Family.EVM, "avalanche", "AVAX", "avalanche"),
        ("SOLANA", Family.SOLANA, "solana", "SOL", "solana"),
        ("BITCOIN", Family.BITCOIN, "bitcoin", "BTC", "bitcoin"),
    ],
)
def test_each_network(name, family, chain_id, symbol, category):
    n = lookup(name)
    assert (n.name, n.family, n.chain_id, n.native_symbol, n.category) == (
        name,
        family,
        chain_id,
        symbol,
        category,
    )
    assert BY_CHAIN_ID[chain_id] is n
    assert n.native_name and n.category == n.category.lower()


def test_lookup_is_case_insensitive_and_ignores_surrounding_space():
    assert lookup(" ethereum ") is lookup("ETHEREUM") is find("Ethereum")


@pytest.mark.parametrize("name", ["", "DOGECOIN", "ETH", "binance-smart-chain", "ETHEREUM2"])
def test_unknown_networks_are_refused_naming_the_supported_ones(name):
    assert find(name) is None
    with pytest.raises(UnknownNetwork) as raised:
        lookup(name)
    assert "ETHEREUM" in str(raised.value) and "BITCOIN" in str(raised.value)
