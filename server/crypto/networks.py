"""The blockchain networks a wallet may be on, and what fingate knows of each.

One row per network: the name the API spells (`ETHEREUM`), the address family that decides how
an address is checked (server/crypto/addresses.py), the portfolio provider's chain id (Zerion's
ids), the chain's native asset, and the slice of the portfolio's `byCategory` breakdown that
asset falls in. Rollups that pay gas in ETH share Ethereum's native asset and slice, so ETH
held on Arbitrum and on Ethereum add up as one asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(Enum):
    EVM = "evm"  # 0x + 20 bytes, EIP-55 checksums
    SOLANA = "solana"  # base58 of a 32-byte public key
    BITCOIN = "bitcoin"  # base58check or bech32/bech32m


@dataclass(frozen=True, slots=True)
class Network:
    name: str  # as the API spells it: ETHEREUM
    family: Family
    chain_id: str  # the portfolio provider's id of the chain
    native_symbol: str
    native_name: str
    category: str  # the native asset's `byCategory` key: "ethereum", "solana", …


class UnknownNetwork(ValueError):
    """A network name fingate does not support; its text is the user-facing reason."""


_ALL = (
    Network("ETHEREUM", Family.EVM, "ethereum", "ETH", "Ethereum", "ethereum"),
    # Polygon's gas token was renamed from MATIC to POL in 2024; the provider reports POL.
    Network("POLYGON", Family.EVM, "polygon", "POL", "Polygon", "polygon"),
    Network("ARBITRUM", Family.EVM, "arbitrum", "ETH", "Ethereum", "ethereum"),
    Network("OPTIMISM", Family.EVM, "optimism", "ETH", "Ethereum", "ethereum"),
    Network("BASE", Family.EVM, "base", "ETH", "Ethereum", "ethereum"),
    Network("BSC", Family.EVM, "binance-smart-chain", "BNB", "BNB", "bnb"),
    Network("AVALANCHE", Family.EVM, "avalanche", "AVAX", "Avalanche", "avalanche"),
    Network("SOLANA", Family.SOLANA, "solana", "SOL", "Solana", "solana"),
    Network("BITCOIN", Family.BITCOIN, "bitcoin", "BTC", "Bitcoin", "bitcoin"),
)
BY_NAME: dict[str, Network] = {n.name: n for n in _ALL}
BY_CHAIN_ID: dict[str, Network] = {n.chain_id: n for n in _ALL}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def find(name: str) -> Network | None:
    """The network of an API name (`ETHEREUM`, any case), or None for an unsupported one."""
    return BY_NAME.get(name.strip().upper())


def lookup(name: str) -> Network:
    """The network of an API name (any case); UnknownNetwork names the supported ones."""
    found = find(name)
    if found is None:
        raise UnknownNetwork(f"Unsupported network; supported: {', '.join(NAMES)}")
    return found
