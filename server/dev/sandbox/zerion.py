"""Zerion-compatible endpoints under `/zerion`: a wallet portfolio API that knows any address.

Auth is Zerion's: HTTP Basic with the API key as the username (password empty); none → 401
`{"errors": [{"title", "detail"}]}`, Zerion's error body. Answers are JSON:API documents
(`{"links": {"self", "next"?}, "data": [{"type", "id", "attributes", "relationships"}]}`) with
Zerion's attribute names: amounts are `quantity {int, decimals, float, numeric}`, USD figures
(`value`, `price`) plain JSON numbers, times RFC 3339 with `Z`.

Endpoints (all GET; `filter[chain_ids]` picks the chain, Zerion's ids: ethereum, polygon,
arbitrum, optimism, base, binance-smart-chain, avalanche, solana, bitcoin; ethereum when absent):
- `/v1/wallets/{address}/positions/`: `filter[positions]=only_simple` (default; `position_type`
  wallet: the chain's native asset, USDC and a few more tokens), `only_complex` (protocol
  positions: an Aave V3 lending position, i.e. a deposit, a loan and a reward sharing one
  `group_id`, and on Ethereum a Lido `staked` position) or `no_filter` (both).
- `/v1/wallets/{address}/transactions/`: newest first; `page[size]` (1..100, default 100),
  `page[after]` (the opaque cursor in `links.next`), `filter[min_mined_at]` (milliseconds since
  the epoch: only transactions mined then or later). `operation_type` is one of trade, send,
  receive, approve, deposit, withdraw, mint, burn, claim, execute (Bitcoin: send and receive);
  a received transaction has no `fee` (the sender paid it); about one in fifty `failed`.
- `/v1/wallets/{address}/nft-positions/`: two collections (EVM chains only), one to three
  tokens each, `nft_info.content.preview.url` an `ipfs://` URI.
A malformed address for the chain answers 400, an unknown chain 400.

Sandbox extensions, absent from Zerion's API: `health_factor` on the Aave positions, `gas_used`
on transactions, `floor_price {native, usd, percent_1d}` on NFT positions and
`nft_info.rarity` (common, rare, epic, legendary or null).

Data. Everything derives from (address, chain), so the same wallet always answers the same
tokens, history and NFTs. The history is `transactions_per_wallet` transactions spread over
the year ending on HISTORY_END (fixed, so it never depends on the day the tests run), one row
per hash. Prices follow a seeded daily random walk from EPOCH (3 % a day; stablecoins stay
within a few hundredths of a cent): a function of the date, so positions are valued at the
same price all day and at another price the next.

Knobs (sandbox-only, no auth): `POST /zerion/_sandbox/settings` with JSON
`{api_key?, server_errors: N, error_status: 503, failure_rate: 0.0, unavailable: false,
timeouts: N, timeout_ms: 30000, delay_ms: M, transactions_per_wallet: 300, tokens_per_wallet: 6,
address?, chain?, extra_transactions: K}`; omitted fields keep their value. With `api_key`
the settings apply to calls made with that key only (a test's own key keeps its faults to
itself; its settings start from the defaults); without it, to every key that has no settings
of its own. `server_errors`: the next
N calls answer `error_status` (a 5xx); `failure_rate`: each call fails so with that
probability (seeded: the same sequence every run); `unavailable`: every call answers 503 until
set false; `timeouts`: the next N calls stall `timeout_ms` before answering (past a client's
timeout); `delay_ms`: every call sleeps first; `transactions_per_wallet` (≤ 1,000,000) and
`tokens_per_wallet` (2..10): the volume. `extra_transactions` with `address` (and `chain`):
that wallet gains K transactions mined now, what an incremental sync should pick up. Answers
the settings in force for the key. State lives in process memory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import random
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.crypto import addresses, networks
from server.dev.sandbox.responses import JSON

EPOCH = dt.date(2024, 1, 1)  # where every price walk starts from its base price
HISTORY_END = dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC)
HISTORY_SPAN = dt.timedelta(days=365)
PAGE_MAX = 100
MAX_TRANSACTIONS = 1_000_000
BASE = "https://api.zerion.io"

# Base prices in USD on EPOCH, by symbol.
BASE_PRICES = {"ETH": 2300.0, "POL": 0.7, "BNB": 310.0, "AVAX": 38.0, "SOL": 100.0}
BASE_PRICES |= {"BTC": 42000.0, "USDC": 1.0, "DAI": 1.0, "USDT": 1.0}
STABLECOINS = frozenset({"USDC", "DAI", "USDT"})
# Tokens an EVM wallet may hold beside its native asset and USDC: (symbol, name, base price).
TOKENS = [
    ("WBTC", "Wrapped Bitcoin", 42000.0),
    ("LINK", "Chainlink", 15.0),
    ("UNI", "Uniswap", 6.0),
    ("AAVE", "Aave", 100.0),
    ("DAI", "Dai Stablecoin", 1.0),
    ("LDO", "Lido DAO", 3.0),
    ("PEPE", "Pepe", 0.0000015),
    ("ARB", "Arbitrum", 1.9),
]
# (name, contract, floor price on EPOCH in the chain's native asset).
COLLECTIONS = [
    ("Bored Ape Yacht Club", "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d", 27.0),
    ("Azuki", "0xed5af388653567af2f388e6224dc7c4b3241c544", 6.5),
    ("Pudgy Penguins", "0xbd3531da5cf5857e7cfaa92426877b022e612cf8", 9.0),
    ("Doodles", "0x8a90cab2b38dba80c64b7734e58ee1db38b8992e", 2.2),
]
RARITIES = ("common", "rare", "epic", "legendary", None)
EVM_KINDS = (
    *("trade", "send", "receive", "approve", "deposit"),
    *("withdraw", "mint", "burn", "claim", "execute"),
)
KINDS = {"bitcoin": ("send", "receive"), "solana": ("trade", "send", "receive")}
# Seconds per block (Solana: per slot), for block numbers that grow with time.
BLOCK_SECONDS = {"bitcoin": 600.0, "solana": 0.4, "polygon": 2.0, "arbitrum": 0.25}
BLOCK_SECONDS |= {"optimism": 2.0, "base": 2.0, "binance-smart-chain": 3.0, "avalanche": 2.0}
BLOCK_AT_END = {"ethereum": 22_815_000, "bitcoin": 903_000, "solana": 349_000_000}


@dataclass
class Profile:
    server_errors: int = 0
    error_status: int = 503
    failure_rate: float = 0.0
    unavailable: bool = False
    timeouts: int = 0
    timeout_ms: int = 30_000
    delay_ms: int = 0
    transactions_per_wallet: int = 300
    tokens_per_wallet: int = 6
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)


DEFAULT = Profile()
PROFILES: dict[str, Profile] = {}
# Transactions mined by the `extra_transactions` knob, per (address, chain): their times.
EXTRA: dict[tuple[str, str], list[dt.datetime]] = {}


class ZerionError(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail or title


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _hex(*parts: object, length: int = 64) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


# Each symbol's walk so far: price on EPOCH + i days at index i.
_WALKS: dict[tuple[str, float], list[float]] = {}


def price(symbol: str, day: dt.date, base: float = 1.0) -> float:
    """The day's USD price of `symbol`: a seeded random walk from its base price on EPOCH
    (BASE_PRICES, else `base`), the same for every caller on the same day."""
    start = BASE_PRICES.get(symbol, base)
    if symbol in STABLECOINS:
        return round(start + _rng(symbol, day).gauss(0, 0.0003), 6)
    days = (day - EPOCH).days
    if days <= 0:
        return start
    walk = _WALKS.setdefault((symbol, start), [start])
    while len(walk) <= days:
        step = _rng(symbol, EPOCH + dt.timedelta(days=len(walk))).gauss(0, 0.03)
        walk.append(walk[-1] * math.exp(step))
    return walk[days]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _time(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


def _quantity(amount: float, decimals: int) -> dict[str, Any]:
    numeric = f"{amount:.{min(decimals, 12)}f}".rstrip("0").rstrip(".") or "0"
    units, _, fraction = numeric.partition(".")
    raw = int(units + fraction.ljust(decimals, "0")[:decimals])
    return {"int": str(raw), "decimals": decimals, "float": float(numeric), "numeric": numeric}


@dataclass(frozen=True, slots=True)
class Asset:
    symbol: str
    name: str
    contract: str | None  # None: the chain's native asset
    decimals: int
    base: float


def _native(chain: str) -> Asset:
    n = networks.BY_CHAIN_ID[chain]
    decimals = {"bitcoin": 8, "solana": 9}.get(chain, 18)
    return Asset(n.native_symbol, n.native_name, None, decimals, BASE_PRICES[n.native_symbol])


def _token(chain: str, symbol: str, name: str, base: float) -> Asset:
    decimals = 6 if symbol in ("USDC", "USDT") else 8 if symbol == "WBTC" else 18
    return Asset(symbol, name, "0x" + _hex("contract", chain, symbol, length=40), decimals, base)


def _fungible(asset: Asset, chain: str) -> dict[str, Any]:
    return {
        "name": asset.name,
        "symbol": asset.symbol,
        "icon": {"url": f"https://cdn.zerion.io/{asset.symbol.lower()}.png"},
        "flags": {"verified": True},
        "implementations": [
            {"chain_id": chain, "address": asset.contract, "decimals": asset.decimals}
        ],
    }


def _holdings(address: str, chain: str, count: int) -> list[tuple[Asset, float]]:
    rng = _rng(address, chain, "holdings")
    native = _native(chain)
    held = [(native, round(rng.uniform(0.5, 20) * 2300 / native.base, 6))]
    if chain == "bitcoin":
        return held
    held.append((_token(chain, "USDC", "USD Coin", 1.0), round(rng.uniform(100, 20_000), 2)))
    if chain == "solana":
        return held
    for symbol, name, base in rng.sample(TOKENS, k=max(0, min(len(TOKENS), count - 2))):
        held.append((_token(chain, symbol, name, base), round(rng.uniform(50, 5000) / base, 6)))
    return held


def _position(
    address: str,
    chain: str,
    asset: Asset,
    amount: float,
    kind: str = "wallet",
    protocol: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    today = _today()
    now = price(asset.symbol, today, asset.base)
    before = price(asset.symbol, today - dt.timedelta(days=1), asset.base)
    value = amount * now
    return {
        "type": "positions",
        "id": _hex("position", address, chain, asset.symbol, kind, protocol, length=32),
        "attributes": {
            "parent": None,
            "protocol": protocol,
            "name": asset.name if protocol is None else protocol,
            "position_type": kind,
            "quantity": _quantity(amount, asset.decimals),
            "value": round(value, 6),
            "price": round(now, 10),
            "changes": {
                "absolute_1d": round(value - amount * before, 6),
                "percent_1d": round((now / before - 1) * 100, 4),
            },
            "fungible_info": _fungible(asset, chain),
            "flags": {"displayable": True, "is_trash": False},
            "updated_at": _time(dt.datetime.now(dt.UTC)),
            "updated_at_block": None,
            **(extra or {}),
        },
        "relationships": {
            "chain": {"links": {"related": f"{BASE}/v1/chains/{chain}"}, "data": _chain_ref(chain)},
            "fungible": {"data": {"type": "fungibles", "id": asset.contract or asset.symbol}},
        },
    }


def _chain_ref(chain: str) -> dict[str, str]:
    return {"type": "chains", "id": chain}


def _complex(address: str, chain: str) -> list[dict[str, Any]]:
    if networks.BY_CHAIN_ID[chain].family is not networks.Family.EVM:
        return []
    rng = _rng(address, chain, "aave")
    native, usdc = _native(chain), _token(chain, "USDC", "USD Coin", 1.0)
    aave = _token(chain, "AAVE", "Aave", 100.0)
    supplied = round(rng.uniform(1, 15) * 2300 / native.base, 6)
    collateral = supplied * price(native.symbol, _today(), native.base)
    borrowed = round(collateral * rng.uniform(0.15, 0.45), 2)
    # Aave's health factor: collateral × liquidation threshold (about 0.83 for ETH) / debt.
    health = round(collateral * 0.83 / borrowed, 4)
    pool = "0x" + _hex("aave-pool", chain, length=40)
    group = {"group_id": _hex("aave", address, chain, length=24), "pool_address": pool}
    lending = [
        _position(address, chain, native, supplied, "deposit", "Aave V3", group),
        _position(address, chain, usdc, borrowed, "loan", "Aave V3", group),
        _position(address, chain, aave, round(rng.uniform(0.1, 3), 6), "reward", "Aave V3", group),
    ]
    for p in lending:
        p["attributes"]["health_factor"] = health
    if chain != "ethereum":
        return lending
    steth = Asset("stETH", "Liquid staked Ether 2.0", "0x" + _hex("steth", length=40), 18, 2300.0)
    staked = round(rng.uniform(0.5, 8), 6)
    lido = {"group_id": _hex("lido", address, length=24), "pool_address": steth.contract}
    return [*lending, _position(address, chain, steth, staked, "staked", "Lido", lido)]


def _transaction_time(address: str, chain: str, count: int, i: int) -> dt.datetime:
    """Transaction i of the base history (0 = newest): strictly older as i grows."""
    spacing = HISTORY_SPAN / max(count, 1)
    jitter = _rng(address, chain, "time", i).random() * 0.9
    return HISTORY_END - spacing * (i + jitter)


def _block(chain: str, mined: dt.datetime) -> int:
    seconds = BLOCK_SECONDS.get(chain, 12.0)
    end = BLOCK_AT_END.get(chain, 60_000_000 if seconds < 12 else 22_815_000)
    return end + math.floor((mined - HISTORY_END).total_seconds() / seconds)


def _leg(asset: Asset, chain: str, amount: float, day: dt.date, direction: str) -> dict[str, Any]:
    p = price(asset.symbol, day, asset.base)
    return {
        "fungible_info": _fungible(asset, chain),
        "direction": direction,
        "quantity": _quantity(amount, asset.decimals),
        "value": round(amount * p, 2),
        "price": round(p, 10),
    }


def _transaction(address: str, chain: str, mined: dt.datetime, key: object) -> dict[str, Any]:
    r = _rng(address, chain, "tx", key)
    kind = r.choice(KINDS.get(chain, EVM_KINDS))
    native, usdc = _native(chain), _token(chain, "USDC", "USD Coin", 1.0)
    day = mined.date()
    amount = round(r.uniform(0.01, 3) * 2300 / native.base, 6)
    usd = round(amount * price(native.symbol, day, native.base), 2)
    out, into = _leg(native, chain, amount, day, "out"), _leg(native, chain, amount, day, "in")
    transfers = {
        "trade": [out, _leg(usdc, chain, usd, day, "in")],
        "send": [out],
        "deposit": [out],
        "burn": [out],
        "receive": [into],
        "withdraw": [into],
        "claim": [into],
        "mint": [into],
    }.get(kind, [])
    digest = _hex("hash", address, chain, key)
    fee = None
    if kind != "receive":
        fee_amount = round(r.uniform(0.00002, 0.004) * 2300 / native.base, 8)
        fee = _leg(native, chain, fee_amount, day, "out")
        del fee["direction"]
    hash_ = digest if chain in ("bitcoin", "solana") else "0x" + digest
    return {
        "type": "transactions",
        "id": _hex("transaction", address, chain, key, length=32),
        "attributes": {
            "operation_type": kind,
            "hash": hash_,
            "mined_at_block": _block(chain, mined),
            "mined_at": _time(mined),
            "sent_from": address if kind != "receive" else "0x" + digest[:40],
            "sent_to": "0x" + digest[24:64] if kind != "receive" else address,
            "status": "failed" if r.random() < 0.02 else "confirmed",
            "nonce": r.randint(0, 5000),
            "fee": fee,
            "gas_used": None if fee is None else r.randint(21_000, 350_000),
            "transfers": transfers,
            "approvals": [],
            "flags": {"is_trash": False},
        },
        "relationships": {"chain": {"data": _chain_ref(chain)}},
    }


@dataclass(frozen=True, slots=True)
class History:
    """A wallet's transactions, newest first: the knob's extras (all newer than the base
    history), then the base history. Rows are derived by position, so a page of a
    million-transaction wallet costs only its own rows."""

    address: str
    chain: str
    count: int  # of the base history
    extras: list[dt.datetime]

    @classmethod
    def of(cls, address: str, chain: str, count: int) -> History:
        extras = sorted(EXTRA.get((address, chain), []), reverse=True)
        return cls(address, chain, count, extras)

    def __len__(self) -> int:
        return len(self.extras) + self.count

    def row(self, i: int) -> tuple[dt.datetime, object]:
        """(mined_at, key) of row i; the key seeds the transaction's contents."""
        if i < len(self.extras):
            return self.extras[i], ("extra", self.extras[i].isoformat())
        j = i - len(self.extras)
        return _transaction_time(self.address, self.chain, self.count, j), (self.count, j)

    def mined_since(self, floor: dt.datetime) -> int:
        """How many rows were mined at `floor` or later: a prefix, found by bisection."""
        low, high = 0, len(self)
        while low < high:
            mid = (low + high) // 2
            if self.row(mid)[0] >= floor:
                low = mid + 1
            else:
                high = mid
        return low


def _nfts(address: str, chain: str) -> list[dict[str, Any]]:
    if networks.BY_CHAIN_ID[chain].family is not networks.Family.EVM:
        return []
    rng = _rng(address, chain, "nfts")
    native, today = _native(chain), _today()
    native_usd = price(native.symbol, today, native.base)
    out = []
    for name, contract, floor0 in rng.sample(COLLECTIONS, 2):
        # Floors walk in the chain's native asset, under the collection's own seed.
        floor = price(name, today, floor0)
        before = price(name, today - dt.timedelta(days=1), floor0)
        collection = f"{chain}:{contract}"
        for token_id in sorted(rng.sample(range(1, 10_000), rng.randint(1, 3))):
            usd = round(floor * native_usd, 2)
            out.append(
                {
                    "type": "nft_positions",
                    "id": f"{collection}:{token_id}",
                    "attributes": {
                        "amount": "1",
                        "price": usd,
                        "value": usd,
                        "changed_at": _time(HISTORY_END),
                        "nft_info": {
                            "contract_address": contract,
                            "token_id": str(token_id),
                            "name": f"{name} #{token_id}",
                            "interface": "erc721",
                            "content": {
                                "preview": {"url": f"ipfs://Qm{_hex(contract, token_id)[:44]}"},
                                "detail": {"url": f"ipfs://Qm{_hex(contract, token_id)[:44]}"},
                            },
                            "flags": {"is_spam": False},
                            "rarity": rng.choice(RARITIES),
                        },
                        "collection_info": {"name": name, "description": None, "content": None},
                        "floor_price": {
                            "native": round(floor, 4),
                            "usd": usd,
                            "percent_1d": round((floor / before - 1) * 100, 2),
                        },
                    },
                    "relationships": {
                        "chain": {"data": _chain_ref(chain)},
                        "nft_collection": {"data": {"type": "nft_collections", "id": collection}},
                    },
                }
            )
    return out


def _key(request: Request) -> str:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        key = base64.b64decode(encoded, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        key = ""
    if scheme.lower() != "basic" or not key:
        raise ZerionError(401, "Unauthorized Error", "Use HTTP Basic auth with your API key")
    return key


async def _enter(request: Request) -> tuple[Profile, str, str]:
    """Auth, the fault knobs, then the wallet and chain the call is about."""
    profile = PROFILES.get(_key(request), DEFAULT)
    if profile.delay_ms:
        await asyncio.sleep(profile.delay_ms / 1000)
    if profile.timeouts > 0:
        profile.timeouts -= 1
        await asyncio.sleep(profile.timeout_ms / 1000)
    if profile.unavailable:
        raise ZerionError(503, "Service Unavailable")
    if profile.server_errors > 0:
        profile.server_errors -= 1
        raise ZerionError(profile.error_status, "Server Error")
    if profile.failure_rate and profile.rng.random() < profile.failure_rate:
        raise ZerionError(profile.error_status, "Server Error")
    chain = request.query_params.get("filter[chain_ids]", "ethereum")
    if chain not in networks.BY_CHAIN_ID:
        raise ZerionError(400, "Parameter validation error", f"Unknown chain id {chain!r}")
    address = request.path_params["address"]
    try:
        address = addresses.normalize(networks.BY_CHAIN_ID[chain], address)
    except addresses.InvalidAddress as error:
        raise ZerionError(400, "Parameter validation error", error.message) from None
    return profile, address, chain


async def positions(request: Request) -> dict[str, Any]:
    profile, address, chain = await _enter(request)
    which = request.query_params.get("filter[positions]", "only_simple")
    data = []
    if which in ("only_simple", "no_filter"):
        held = _holdings(address, chain, profile.tokens_per_wallet)
        data += [_position(address, chain, asset, amount) for asset, amount in held]
    if which in ("only_complex", "no_filter"):
        data += _complex(address, chain)
    return {"links": {"self": str(request.url)}, "data": data}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (ValueError, KeyError, TypeError):
        raise ZerionError(400, "Parameter validation error", "Malformed page[after]") from None
    if not isinstance(offset, int) or offset < 0:
        raise ZerionError(400, "Parameter validation error", "Malformed page[after]")
    return offset


async def transactions(request: Request) -> dict[str, Any]:
    profile, address, chain = await _enter(request)
    q = request.query_params
    raw_size = q.get("page[size]", str(PAGE_MAX))
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= PAGE_MAX:
        raise ZerionError(400, "Parameter validation error", f"page[size]: 1..{PAGE_MAX}")
    size = int(raw_size)
    offset = _offset(q["page[after]"]) if q.get("page[after]") else 0
    history = History.of(address, chain, profile.transactions_per_wallet)
    total = len(history)
    if q.get("filter[min_mined_at]"):
        if not q["filter[min_mined_at]"].isdigit():
            raise ZerionError(400, "Parameter validation error", "filter[min_mined_at]: ms")
        floor = dt.datetime.fromtimestamp(int(q["filter[min_mined_at]"]) / 1000, dt.UTC)
        total = history.mined_since(floor)
    page = [history.row(i) for i in range(offset, min(offset + size, total))]
    links = {"self": str(request.url)}
    if offset + size < total:
        params = {k: v for k, v in q.items() if k != "page[after]"}
        params["page[after]"] = _cursor(offset + size)
        links["next"] = f"{request.base_url}{request.url.path.lstrip('/')}?{urlencode(params)}"
    data = [_transaction(address, chain, mined, key) for mined, key in page]
    return {"links": links, "data": data}


async def nft_positions(request: Request) -> dict[str, Any]:
    _, address, chain = await _enter(request)
    return {"links": {"self": str(request.url)}, "data": _nfts(address, chain)}


_INTS = {
    "server_errors": (0, 100_000),
    "error_status": (500, 599),
    "timeouts": (0, 100_000),
    "timeout_ms": (0, 600_000),
    "delay_ms": (0, 100_000),
    "transactions_per_wallet": (0, MAX_TRANSACTIONS),
    "tokens_per_wallet": (2, 2 + len(TOKENS)),
    "extra_transactions": (0, 10_000),
}


async def settings(request: Request) -> Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return _error(ZerionError(422, "Invalid settings", "A JSON object"))
    for name, (low, high) in _INTS.items():
        value = body.get(name, low)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return _error(ZerionError(422, "Invalid settings", f"{name}: {low}..{high}"))
    rate = body.get("failure_rate", 0.0)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        return _error(ZerionError(422, "Invalid settings", "failure_rate: 0..1"))
    key = body.get("api_key")
    if key is None:
        profile = DEFAULT
    else:
        profile = PROFILES.setdefault(str(key), Profile())
    for name in (*_INTS, "failure_rate", "unavailable"):
        if name in body and name != "extra_transactions":
            setattr(profile, name, type(getattr(profile, name))(body[name]))
    if body.get("extra_transactions"):
        address, chain = str(body.get("address") or ""), str(body.get("chain") or "ethereum")
        if chain not in networks.BY_CHAIN_ID:
            return _error(ZerionError(422, "Invalid settings", "chain: a Zerion chain id"))
        try:
            address = addresses.normalize(networks.BY_CHAIN_ID[chain], address)
        except addresses.InvalidAddress as error:
            return _error(ZerionError(422, "Invalid settings", f"address: {error.message}"))
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        mined = [now - dt.timedelta(seconds=i) for i in range(body["extra_transactions"])]
        EXTRA.setdefault((address, chain), []).extend(mined)
    shown = {k: v for k, v in asdict(profile).items() if k != "rng"}
    return JSON({"api_key": key, **shown})


def _error(error: ZerionError) -> Response:
    body = {"errors": [{"title": error.title, "detail": error.detail}]}
    return JSON(body, status_code=error.status)


def _endpoint(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return JSON(await handler(request))
        except ZerionError as error:
            return _error(error)

    return endpoint


ROUTES: list[BaseRoute] = [
    Route("/zerion/v1/wallets/{address}/positions/", _endpoint(positions), methods=["GET"]),
    Route("/zerion/v1/wallets/{address}/transactions/", _endpoint(transactions), methods=["GET"]),
    Route("/zerion/v1/wallets/{address}/nft-positions/", _endpoint(nft_positions), methods=["GET"]),
    Route("/zerion/_sandbox/settings", settings, methods=["POST"]),
]
