"""Which slice of the portfolio's `byCategory` a token position falls in.

`stablecoin` for the dollar-pegged tokens below, the network's own name for its native asset
(`ethereum` for ETH on Ethereum and its rollups, `solana`, `bitcoin`…), `defi` for protocol
governance tokens, `other` for the rest. DeFi positions and NFTs add the `defi` and `nft`
slices from their own tables.
"""

from __future__ import annotations

from server.crypto import networks

STABLECOINS = frozenset(
    {
        "USDC",
        "USDT",
        "DAI",
        "BUSD",
        "TUSD",
        "USDP",
        "FRAX",
        "LUSD",
        "PYUSD",
        "GUSD",
        "USDE",
        "FDUSD",
    }
)
DEFI_TOKENS = frozenset(
    {"AAVE", "UNI", "COMP", "MKR", "CRV", "LDO", "SUSHI", "SNX", "BAL", "YFI", "1INCH", "GMX"}
)


def category(symbol: str, *, native: bool, network: str) -> str:
    upper = symbol.upper()
    if upper in STABLECOINS:
        return "stablecoin"
    if native:
        found = networks.find(network)
        return found.category if found is not None else "other"
    if upper in DEFI_TOKENS:
        return "defi"
    return "other"
