"""Zerion-compatible endpoints under `/zerion`: a wallet portfolio API for any address.

Auth is Zerion's: HTTP Basic with the API key as the username (password empty); none → 401.
Answers are JSON:API documents (`{"links", "data": [{"type", "id", "attributes",
"relationships"}]}`) with Zerion's attribute names; amounts are `quantity {int, decimals,
float, numeric}` and USD figures plain numbers.

Endpoints (all `GET`, `filter[chain_ids]=<chain>` selects the chain, ethereum by default):
- `/v1/wallets/{address}/positions/`: `filter[positions]=only_simple` (the wallet's tokens:
  the chain's native asset, USDC and a few more) or `only_complex` (an Aave V3 lending position:
  a deposit, a loan and a reward sharing one `group_id`). Sandbox extension: the complex
  positions carry `health_factor`.
- `/v1/wallets/{address}/transactions/`: newest first, `page[size]` (≤ 100) and `page[after]`
  (the cursor of `links.next`), `filter[min_mined_at]` (milliseconds). Types trade, send,
  receive, approve, deposit, withdraw, mint. Sandbox extension: `gas_used`.
- `/v1/wallets/{address}/nft-positions/`: a couple of collections. Sandbox extension:
  `floor_price {native, usd, percent_1d}` and `nft_info.rarity`.

Data. Everything derives from (address, chain): the same address always holds the same
tokens and history. Prices move with a seeded daily random walk, so a day's price is the same
all day and changes the next. Solana and Bitcoin wallets hold the native asset and USDC
(Bitcoin: its native asset only) and have no NFTs or DeFi positions.

Knob (sandbox-only, no auth): `POST /zerion/_sandbox/settings` with JSON `{server_errors: N,
unavailable: false, delay_ms: M, transactions_per_wallet: 300, extra_transactions: 0,
tokens_per_wallet: 6}` (omitted ones keep their value). `server_errors` makes the next N calls
answer 503; `unavailable: true` makes every call answer 503 until it is set false; `delay_ms`
sleeps before every call; `extra_transactions` adds that many transactions mined now (what an
incremental sync should pick up). Answers the settings. State lives in process memory.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import math
import random
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.dev.sandbox.responses import JSON

NATIVE = {
    "ethereum": ("ETH", "Ethereum", 2400.0),
    "arbitrum": ("ETH", "Ethereum", 2400.0),
    "optimism": ("ETH", "Ethereum", 2400.0),
    "base": ("ETH", "Ethereum", 2400.0),
    "polygon": ("POL", "Polygon", 0.45),
    "binance-smart-chain": ("BNB", "BNB", 600.0),
    "avalanche": ("AVAX", "Avalanche", 35.0),
    "solana": ("SOL", "Solana", 180.0),
    "bitcoin": ("BTC", "Bitcoin", 65000.0),
}
# Tokens an EVM wallet may hold beside its native asset and USDC: (symbol, name, base price).
TOKENS = [
    ("WBTC", "Wrapped Bitcoin", 65000.0),
    ("LINK", "Chainlink", 15.0),
    ("UNI", "Uniswap", 8.0),
    ("AAVE", "Aave", 150.0),
    ("DAI", "Dai", 1.0),
    ("LDO", "Lido DAO", 2.0),
    ("PEPE", "Pepe", 0.00001),
    ("ARB", "Arbitrum", 0.8),
]
STABLE = {"USDC", "DAI"}
COLLECTIONS = [
    ("Bored Ape Yacht Club", "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d", 14.0),
    ("Azuki", "0xed5af388653567af2f388e6224dc7c4b3241c544", 5.0),
    ("Pudgy Penguins", "0xbd3531da5cf5857e7cfaa92426877b022e612cf8", 10.0),
]
KINDS = ["trade", "send", "receive", "approve", "deposit", "withdraw", "mint"]
EPOCH = dt.date(2025, 1, 1)
PAGE_MAX = 100


@dataclass
class Settings:
    server_errors: int = 0
    unavailable: bool = False
    delay_ms: int = 0
    transactions_per_wallet: int = 300
    extra_transactions: int = 0
    tokens_per_wallet: int = 6


SETTINGS = Settings()
# Transactions added by `extra_transactions`, per (address, chain): (index, mined_at).
_EXTRA: dict[tuple[str, str], list[dt.datetime]] = {}
_WALK: dict[tuple[str, dt.date], float] = {}


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def price(symbol: str, base: float, day: dt.date) -> float:
    """The day's price: a random walk from `base` on EPOCH, 3 % daily volatility (stablecoins
    0.05 %), the same for everyone on the same day."""
    if symbol in STABLE or symbol == "USDC":
        return round(1 + _rng(symbol, day).gauss(0, 0.0005), 6)
    key = (symbol, day)
    if key not in _WALK:
        d, value = EPOCH, base
        while d < day:
            step = (symbol, d + dt.timedelta(days=1))
            if step in _WALK:
                value = _WALK[step]
            else:
                value *= math.exp(_rng(symbol, d).gauss(0, 0.03))
                _WALK[step] = value
            d += dt.timedelta(days=1)
        _WALK[key] = value
    return _WALK[key]


def _quantity(amount: Decimal, decimals: int = 18) -> dict[str, Any]:
    return {
        "int": str(int(amount * (10**decimals))),
        "decimals": decimals,
        "float": float(amount),
        "numeric": format(amount.normalize(), "f"),
    }


def _fungible(symbol: str, name: str, chain: str, contract: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "symbol": symbol,
        "icon": None,
        "flags": {"verified": True},
        "implementations": [{"chain_id": chain, "address": contract, "decimals": 18}],
    }


Holding = tuple[str, str, float, str | None, Decimal]


def _holdings(address: str, chain: str) -> list[Holding]:
    """(symbol, name, base price, contract or None for native, quantity) of a wallet."""
    rng = _rng(address, chain, "holdings")
    symbol, name, base = NATIVE[chain]
    out: list[Holding] = [(symbol, name, base, None, Decimal(str(round(rng.uniform(0.5, 20), 4))))]
    if chain == "bitcoin":
        return out
    out.append(
        (
            "USDC",
            "USD Coin",
            1.0,
            "0x" + hashlib.sha256(b"usdc" + chain.encode()).hexdigest()[:40],
            Decimal(str(round(rng.uniform(100, 20000), 2))),
        )
    )
    if chain == "solana":
        return out
    extra = rng.sample(TOKENS, k=min(len(TOKENS), max(0, SETTINGS.tokens_per_wallet - 2)))
    for sym, nm, bp in extra:
        contract = "0x" + hashlib.sha256(sym.encode() + chain.encode()).hexdigest()[:40]
        amount = Decimal(str(round(rng.uniform(1, 5000) / max(bp, 0.01) ** 0.5, 6)))
        out.append((sym, nm, bp, contract, amount))
    return out


def _position(
    address: str,
    chain: str,
    symbol: str,
    name: str,
    base: float,
    contract: str | None,
    amount: Decimal,
    kind: str = "wallet",
    protocol: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    now_price = price(symbol, base, today)
    before = price(symbol, base, today - dt.timedelta(days=1))
    value = float(amount) * now_price
    return {
        "type": "positions",
        "id": f"{address}-{chain}-{symbol}-{kind}",
        "attributes": {
            "parent": None,
            "protocol": protocol,
            "name": "Asset" if protocol is None else protocol,
            "position_type": kind,
            "quantity": _quantity(amount),
            "value": round(value, 6),
            "price": now_price,
            "changes": {
                "absolute_1d": round(value - float(amount) * before, 6),
                "percent_1d": round((now_price / before - 1) * 100, 4),
            },
            "fungible_info": _fungible(symbol, name, chain, contract),
            "flags": {"displayable": True, "is_trash": False},
            "updated_at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            **(extra or {}),
        },
        "relationships": {"chain": {"data": {"type": "chains", "id": chain}}},
    }


def _complex(address: str, chain: str) -> list[dict[str, Any]]:
    if chain in ("solana", "bitcoin"):
        return []
    rng = _rng(address, chain, "aave")
    symbol, name, base = NATIVE[chain]
    supplied = Decimal(str(round(rng.uniform(1, 15), 4)))
    borrowed = Decimal(str(round(float(supplied) * base * rng.uniform(0.1, 0.4), 2)))
    reward = Decimal(str(round(rng.uniform(0.1, 5), 4)))
    health = round(
        float(supplied)
        * price(symbol, base, dt.datetime.now(dt.UTC).date())
        * 0.83
        / float(borrowed),
        4,
    )
    group = {"group_id": f"aave-v3-{chain}-{address[-6:]}", "health_factor": health}
    usdc = "0x" + hashlib.sha256(b"usdc" + chain.encode()).hexdigest()[:40]
    return [
        _position(address, chain, symbol, name, base, None, supplied, "deposit", "Aave V3", group),
        _position(
            address, chain, "USDC", "USD Coin", 1.0, usdc, borrowed, "loan", "Aave V3", group
        ),
        _position(address, chain, "AAVE", "Aave", 150.0, None, reward, "reward", "Aave V3", group),
    ]


def _transactions(address: str, chain: str) -> list[dict[str, Any]]:
    """The wallet's history, newest first: one transaction every ~day back from yesterday,
    then the extra ones mined by the knob."""
    rng = _rng(address, chain, "history")
    symbol, name, base = NATIVE[chain]
    start = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
    times = [
        start - dt.timedelta(hours=20 * (i + 1)) - dt.timedelta(minutes=rng.randint(0, 600))
        for i in range(SETTINGS.transactions_per_wallet)
    ]
    times = sorted(_EXTRA.get((address, chain), []) + times, reverse=True)
    out = []
    block0 = 19_000_000 + rng.randint(0, 100_000)
    for i, mined in enumerate(times):
        r = _rng(address, chain, "tx", mined.isoformat())
        kind = (
            KINDS[r.randrange(len(KINDS))]
            if chain not in ("bitcoin",)
            else r.choice(["send", "receive"])
        )
        day = mined.date()
        native_price = price(symbol, base, day)
        amount = Decimal(str(round(r.uniform(0.01, 3), 4)))
        usdc = Decimal(str(round(float(amount) * native_price, 2)))
        leg_native = {
            "fungible_info": {"name": name, "symbol": symbol},
            "quantity": _quantity(amount),
            "price": native_price,
            "value": round(float(amount) * native_price, 2),
        }
        leg_usdc = {
            "fungible_info": {"name": "USD Coin", "symbol": "USDC"},
            "quantity": _quantity(usdc),
            "price": 1.0,
            "value": float(usdc),
        }
        transfers: list[dict[str, Any]] = []
        if kind == "trade":
            transfers = [{**leg_native, "direction": "out"}, {**leg_usdc, "direction": "in"}]
        elif kind in ("send", "deposit"):
            transfers = [{**leg_native, "direction": "out"}]
        elif kind in ("receive", "withdraw", "mint"):
            transfers = [{**leg_native, "direction": "in"}]
        fee = Decimal(str(round(r.uniform(0.0002, 0.02), 6)))
        digest = hashlib.sha256(f"{address}{chain}{mined.isoformat()}".encode()).hexdigest()
        out.append(
            {
                "type": "transactions",
                "id": f"{digest}-0",
                "attributes": {
                    "operation_type": kind,
                    "hash": "0x" + digest,
                    "mined_at_block": block0 + len(times) - i,
                    "mined_at": mined.isoformat().replace("+00:00", "Z"),
                    "sent_from": address,
                    "sent_to": "0x" + digest[:40],
                    "status": "failed" if r.random() < 0.02 else "confirmed",
                    "nonce": len(times) - i,
                    "gas_used": r.randint(21_000, 300_000),
                    "fee": {
                        "fungible_info": {"name": name, "symbol": symbol},
                        "quantity": _quantity(fee),
                        "price": native_price,
                        "value": round(float(fee) * native_price, 2),
                    },
                    "transfers": transfers,
                    "approvals": [],
                },
                "relationships": {"chain": {"data": {"type": "chains", "id": chain}}},
            }
        )
    return out


def _nfts(address: str, chain: str) -> list[dict[str, Any]]:
    if chain in ("solana", "bitcoin"):
        return []
    rng = _rng(address, chain, "nfts")
    symbol, _, base = NATIVE[chain]
    today = dt.datetime.now(dt.UTC).date()
    native = price(symbol, base, today)
    out = []
    for name, contract, floor0 in rng.sample(COLLECTIONS, 2):
        floor = price(name, floor0, today)
        before = price(name, floor0, today - dt.timedelta(days=1))
        for _ in range(rng.randint(1, 3)):
            token_id = str(rng.randint(1, 9999))
            out.append(
                {
                    "type": "nft_positions",
                    "id": f"{chain}:{contract}:{token_id}",
                    "attributes": {
                        "amount": "1",
                        "price": round(floor * native, 2),
                        "value": round(floor * native, 2),
                        "nft_info": {
                            "contract_address": contract,
                            "token_id": token_id,
                            "name": f"{name.split()[0]} #{token_id}",
                            "interface": "erc721",
                            "content": {
                                "preview": {
                                    "url": f"ipfs://Qm{hashlib.sha256(token_id.encode()).hexdigest()[:40]}"
                                }
                            },
                            "flags": {"is_spam": False},
                            "rarity": rng.choice(["common", "rare", "epic", "legendary", None]),
                        },
                        "collection_info": {"name": name, "description": None},
                        "floor_price": {
                            "native": round(floor, 4),
                            "usd": round(floor * native, 2),
                            "percent_1d": round((floor / before - 1) * 100, 2),
                        },
                    },
                    "relationships": {
                        "chain": {"data": {"type": "chains", "id": chain}},
                        "nft_collection": {
                            "data": {"type": "nft_collections", "id": f"{chain}:{contract}"}
                        },
                    },
                }
            )
    return out


def _error(status: int, title: str) -> Response:
    return JSON({"errors": [{"title": title, "detail": title}]}, status_code=status)


async def _gate(request: Request) -> Response | None:
    """Auth and the failure knobs, before any answer."""
    if SETTINGS.delay_ms:
        await asyncio.sleep(SETTINGS.delay_ms / 1000)
    header = request.headers.get("authorization", "")
    try:
        user = base64.b64decode(header.removeprefix("Basic ")).decode().split(":")[0]
    except ValueError:
        user = ""
    if not header.startswith("Basic ") or not user:
        return _error(401, "Unauthorized Error")
    if SETTINGS.unavailable:
        return _error(503, "Service Unavailable")
    if SETTINGS.server_errors > 0:
        SETTINGS.server_errors -= 1
        return _error(503, "Service Unavailable")
    return None


def _chain(request: Request) -> str | None:
    chain = request.query_params.get("filter[chain_ids]", "ethereum")
    return chain if chain in NATIVE else None


async def positions(request: Request) -> Response:
    if (refused := await _gate(request)) is not None:
        return refused
    chain, address = _chain(request), request.path_params["address"]
    if chain is None:
        return _error(400, "Unsupported chain")
    kind = request.query_params.get("filter[positions]", "only_simple")
    if kind == "only_complex":
        data = _complex(address, chain)
    else:
        data = [_position(address, chain, *h) for h in _holdings(address, chain)]
    return JSON({"links": {"self": str(request.url)}, "data": data})


async def transactions(request: Request) -> Response:
    if (refused := await _gate(request)) is not None:
        return refused
    chain, address = _chain(request), request.path_params["address"]
    if chain is None:
        return _error(400, "Unsupported chain")
    q = request.query_params
    size = min(int(q.get("page[size]", "100") or 100), PAGE_MAX)
    after = int(q.get("page[after]", "0") or 0)
    found = _transactions(address, chain)
    if "filter[min_mined_at]" in q:
        floor = dt.datetime.fromtimestamp(int(q["filter[min_mined_at]"]) / 1000, dt.UTC)
        found = [
            t for t in found if dt.datetime.fromisoformat(t["attributes"]["mined_at"]) >= floor
        ]
    page = found[after : after + size]
    links: dict[str, Any] = {"self": str(request.url)}
    if after + size < len(found):
        params = {k: v for k, v in q.items() if k != "page[after]"} | {
            "page[after]": str(after + size)
        }
        links["next"] = (
            f"{request.url.scheme}://{request.url.netloc}{request.url.path}?{urlencode(params)}"
        )
    return JSON({"links": links, "data": page})


async def nft_positions(request: Request) -> Response:
    if (refused := await _gate(request)) is not None:
        return refused
    chain, address = _chain(request), request.path_params["address"]
    if chain is None:
        return _error(400, "Unsupported chain")
    return JSON({"links": {"self": str(request.url)}, "data": _nfts(address, chain)})


async def settings(request: Request) -> Response:
    body = await request.json()
    for name in ("server_errors", "delay_ms", "transactions_per_wallet", "tokens_per_wallet"):
        if name in body:
            setattr(SETTINGS, name, int(body[name]))
    if "unavailable" in body:
        SETTINGS.unavailable = bool(body["unavailable"])
    extra = int(body.get("extra_transactions", 0))
    if extra and body.get("address"):
        key = (str(body["address"]), str(body.get("chain", "ethereum")))
        now = dt.datetime.now(dt.UTC)
        _EXTRA.setdefault(key, []).extend(now - dt.timedelta(seconds=i) for i in range(extra))
    return JSON(asdict(SETTINGS))


ROUTES: list[BaseRoute] = [
    Route("/zerion/v1/wallets/{address}/positions/", positions),
    Route("/zerion/v1/wallets/{address}/transactions/", transactions),
    Route("/zerion/v1/wallets/{address}/nft-positions/", nft_positions),
    Route("/zerion/_sandbox/settings", settings, methods=["POST"]),
]
