"""Which slice of the portfolio's `byCategory` a token position falls in.

`stablecoin` for the dollar-pegged tokens below, the network's own name for its native asset
(`ethereum` for ETH on Ethereum and its rollups, `solana`, `bitcoin`…), `defi` for protocol
governance tokens, `other` for the rest. DeFi positions and NFTs add the `defi` and `nft`
slices from their own tables.
"""

from __future__ import annotations

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
# The native asset's slice, by its symbol.
NATIVE = {
    "ETH": "ethereum",
    "MATIC": "polygon",
    "POL": "polygon",
    "BNB": "bnb",
    "AVAX": "avalanche",
    "SOL": "solana",
    "BTC": "bitcoin",
}


def category(symbol: str, *, native: bool) -> str:
    upper = symbol.upper()
    if upper in STABLECOINS:
        return "stablecoin"
    if native:
        return NATIVE.get(upper, upper.lower())
    if upper in DEFI_TOKENS:
        return "defi"
    return "other"
