"""The crypto portfolio adapter: Zerion's REST API (JSON:API) through httpx.

Each call is retried on a 5xx, a timeout or a dropped connection (tenacity: 3 attempts,
exponential backoff with jitter), and runs inside one circuit breaker for the provider
(purgatory): after `provider_breaker_threshold` calls that failed even so, the circuit opens
for `provider_breaker_open_s` and calls fail at once with CircuitOpen, which says how long is
left; the sync job records it where every process sees it (server/crypto/circuit.py). A 4xx is
the request's fault (a malformed address): refused, not retried, not counted by the breaker.
Amounts and prices are parsed to Decimal from the JSON's text, never through float.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import orjson
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from server.platform.config import Settings
from server.providers.base import InvalidCredentials, ProviderUnavailable

CIRCUIT = "zerion"
PAGE_SIZE = 100

# Zerion's operation types → the documented transaction types.
TYPES = {"trade": "SWAP", "send": "TRANSFER", "receive": "RECEIVE"}
STATUSES = {"confirmed": "completed", "failed": "failed", "pending": "pending"}
DEFI_TYPES = {"deposit": "lending", "loan": "lending", "staked": "staking", "locked": "staking"}


class CircuitOpen(ProviderUnavailable):
    """The provider failed too often lately; calls fail fast for `retry_after` seconds."""

    code = "CIRCUIT_BREAKER_OPEN"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Provider temporarily unavailable")
        self.retry_after = retry_after


class _Transient(Exception):
    """A failure worth another attempt (5xx, timeout, connection)."""


@dataclass(frozen=True, slots=True)
class TokenPosition:
    symbol: str
    name: str
    contract: str | None  # None for the chain's native asset
    quantity: Decimal
    price_usd: Decimal | None
    value_usd: Decimal | None
    change_24h_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Leg:
    symbol: str
    name: str
    amount: Decimal
    value_usd: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChainTransaction:
    hash: str
    log_index: int
    type: str
    timestamp: dt.datetime
    block_number: int
    gas_used: Decimal | None
    fee_amount: Decimal | None
    fee_usd: Decimal | None
    status: str
    sent: Leg | None
    received: Leg | None


@dataclass(frozen=True, slots=True)
class NftItem:
    collection_id: str
    collection_name: str
    collection_address: str
    floor_price: Decimal
    floor_price_usd: Decimal
    change_24h: Decimal | None
    token_id: str
    name: str
    image: str | None
    rarity: str | None


@dataclass(frozen=True, slots=True)
class DefiHolding:
    id: str
    protocol: str
    type: str
    supplied: list[Leg]
    borrowed: list[Leg]
    rewards: list[Leg]
    health_factor: Decimal | None


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))


def _amount(quantity: dict[str, Any]) -> Decimal:
    return Decimal(str(quantity["numeric"]))


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class ZerionClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float,
        breaker_threshold: int = 5,
        breaker_open_s: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=(api_key, ""),
            timeout=timeout_s,
            transport=transport,
            headers={"accept": "application/json"},
        )
        # A refusal (4xx) is the request's fault, not the provider's: the breaker ignores it.
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold,
            default_ttl=breaker_open_s,
            exclude=[InvalidCredentials],
        )
        self._open_s = breaker_open_s

    @classmethod
    def from_settings(cls, settings: Settings) -> ZerionClient:
        return cls(
            settings.zerion_api_base,
            settings.zerion_api_key,
            timeout_s=settings.provider_timeout_s,
            breaker_threshold=settings.provider_breaker_threshold,
            breaker_open_s=settings.provider_breaker_open_s,
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def _get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        breaker = await self._breakers.get_breaker(CIRCUIT)
        try:
            async with breaker:
                return await self._retried(url, params)
        except OpenedState as state:
            left = state.opened_at + self._open_s - time.time()
            raise CircuitOpen(max(1, math.ceil(left))) from None
        except _Transient as error:
            if breaker.context.state == "opened":
                # This failure opened the circuit: say so, with the whole open time ahead.
                raise CircuitOpen(math.ceil(self._open_s)) from None
            raise ProviderUnavailable(str(error)) from None

    async def _retried(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=0.2, max=2) + wait_random(0, 0.2),
            reraise=True,
        ):
            with attempt:
                return await self._once(url, params)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        try:
            response = await self._http.get(url, params=params)
        except httpx.TransportError as error:
            raise _Transient(type(error).__name__) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise _Transient(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise InvalidCredentials(f"refused by the provider (HTTP {response.status_code})")
        body: dict[str, Any] = orjson.loads(response.content)
        return body

    async def positions(self, address: str, chain: str) -> list[TokenPosition]:
        body = await self._get(
            f"/v1/wallets/{address}/positions/",
            {"filter[chain_ids]": chain, "filter[positions]": "only_simple", "currency": "usd"},
        )
        out = []
        for item in body["data"]:
            a = item["attributes"]
            info = a["fungible_info"]
            impl: dict[str, Any] = next(
                (i for i in info.get("implementations", []) if i.get("chain_id") == chain), {}
            )
            out.append(
                TokenPosition(
                    symbol=info["symbol"],
                    name=info["name"],
                    contract=impl.get("address"),
                    quantity=_amount(a["quantity"]),
                    price_usd=_decimal(a.get("price")),
                    value_usd=_decimal(a.get("value")),
                    change_24h_percent=_decimal((a.get("changes") or {}).get("percent_1d")),
                )
            )
        return out

    async def transactions(
        self, address: str, chain: str, since: dt.datetime | None
    ) -> AsyncIterator[list[ChainTransaction]]:
        params = {"filter[chain_ids]": chain, "page[size]": str(PAGE_SIZE), "currency": "usd"}
        if since is not None:
            params["filter[min_mined_at]"] = str(int(since.timestamp() * 1000))
        url: str | None = f"/v1/wallets/{address}/transactions/"
        query: dict[str, str] | None = params
        while url is not None:
            body = await self._get(url, query)
            yield [self._transaction(item) for item in body["data"]]
            url, query = body.get("links", {}).get("next"), None

    @staticmethod
    def _transaction(item: dict[str, Any]) -> ChainTransaction:
        a = item["attributes"]
        sent = received = None
        for transfer in a.get("transfers", []):
            info = transfer["fungible_info"]
            leg = Leg(info["symbol"], info["name"], _amount(transfer["quantity"]))
            if transfer["direction"] == "out" and sent is None:
                sent = leg
            elif transfer["direction"] == "in" and received is None:
                received = leg
        fee = a.get("fee") or {}
        kind = a["operation_type"]
        log_index = int(item["id"].rsplit("-", 1)[-1]) if "-" in item["id"] else 0
        return ChainTransaction(
            hash=a["hash"],
            log_index=log_index,
            type=TYPES.get(kind, kind.upper()),
            timestamp=_time(a["mined_at"]),
            block_number=int(a.get("mined_at_block") or 0),
            gas_used=_decimal(a.get("gas_used")),
            fee_amount=_amount(fee["quantity"]) if fee.get("quantity") else None,
            fee_usd=_decimal(fee.get("value")),
            status=STATUSES.get(a.get("status", ""), "completed"),
            sent=sent,
            received=received,
        )

    async def nfts(self, address: str, chain: str) -> list[NftItem]:
        body = await self._get(
            f"/v1/wallets/{address}/nft-positions/", {"filter[chain_ids]": chain}
        )
        out = []
        for item in body["data"]:
            a = item["attributes"]
            nft, col = a["nft_info"], a.get("collection_info") or {}
            floor = a.get("floor_price") or {}
            relation = (item.get("relationships") or {}).get("nft_collection") or {}
            out.append(
                NftItem(
                    collection_id=(relation.get("data") or {}).get("id") or nft["contract_address"],
                    collection_name=col.get("name") or nft["contract_address"],
                    collection_address=nft["contract_address"],
                    floor_price=_decimal(floor.get("native")) or Decimal(0),
                    floor_price_usd=_decimal(floor.get("usd") or a.get("price")) or Decimal(0),
                    change_24h=_decimal(floor.get("percent_1d")),
                    token_id=str(nft["token_id"]),
                    name=nft.get("name") or f"#{nft['token_id']}",
                    image=((nft.get("content") or {}).get("preview") or {}).get("url"),
                    rarity=nft.get("rarity"),
                )
            )
        return out

    async def defi(self, address: str, chain: str) -> list[DefiHolding]:
        body = await self._get(
            f"/v1/wallets/{address}/positions/",
            {"filter[chain_ids]": chain, "filter[positions]": "only_complex", "currency": "usd"},
        )
        groups: dict[str, dict[str, Any]] = {}
        for item in body["data"]:
            a = item["attributes"]
            key = a.get("group_id") or f"{a.get('protocol')}:{item['id']}"
            group = groups.setdefault(
                key,
                {
                    "protocol": a.get("protocol") or "unknown",
                    "type": "liquidity",
                    "supplied": [],
                    "borrowed": [],
                    "rewards": [],
                    "health": _decimal(a.get("health_factor")),
                },
            )
            info = a["fungible_info"]
            leg = Leg(
                info["symbol"], info["name"], _amount(a["quantity"]), _decimal(a.get("value"))
            )
            kind = a["position_type"]
            group["type"] = DEFI_TYPES.get(kind, group["type"])
            bucket = {"loan": "borrowed", "reward": "rewards"}.get(kind, "supplied")
            group[bucket].append(leg)
        return [
            DefiHolding(
                id=key,
                protocol=g["protocol"].split()[0].upper(),
                type=g["type"],
                supplied=g["supplied"],
                borrowed=g["borrowed"],
                rewards=g["rewards"],
                health_factor=g["health"],
            )
            for key, g in groups.items()
        ]
