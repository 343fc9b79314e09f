"""The blockchain networks a wallet may be on, and what fingate knows of each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(Enum):
    EVM = "evm"  # 0x + 20 bytes, EIP-55 checksums
    SOLANA = "solana"  # base58 of a 32-byte key
    BITCOIN = "bitcoin"  # base58check or bech32/bech32m


@dataclass(frozen=True, slots=True)
class Network:
    name: str  # as the API spells it: ETHEREUM
    family: Family
    chain_id: str  # the portfolio provider's id of the chain
    native_symbol: str
    native_name: str


_ALL = (
    Network("ETHEREUM", Family.EVM, "ethereum", "ETH", "Ethereum"),
    Network("POLYGON", Family.EVM, "polygon", "POL", "Polygon"),
    Network("ARBITRUM", Family.EVM, "arbitrum", "ETH", "Ethereum"),
    Network("OPTIMISM", Family.EVM, "optimism", "ETH", "Ethereum"),
    Network("BASE", Family.EVM, "base", "ETH", "Ethereum"),
    Network("BSC", Family.EVM, "binance-smart-chain", "BNB", "BNB"),
    Network("AVALANCHE", Family.EVM, "avalanche", "AVAX", "Avalanche"),
    Network("SOLANA", Family.SOLANA, "solana", "SOL", "Solana"),
    Network("BITCOIN", Family.BITCOIN, "bitcoin", "BTC", "Bitcoin"),
)
BY_NAME = {n.name: n for n in _ALL}
NAMES = tuple(BY_NAME)


def find(name: str) -> Network | None:
    """The network of an API name (`ETHEREUM`), or None for one fingate does not support."""
    return BY_NAME.get(name)
