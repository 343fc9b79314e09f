"""The crypto portfolio provider: Zerion's REST API (JSON:API) through httpx, in plain values.

Every call is retried on a 5xx, a 429, a timeout or a dropped connection (tenacity: ATTEMPTS
attempts, exponential backoff with jitter), and runs inside the client's circuit breaker
(purgatory): after `provider_breaker_threshold` calls in a row that failed even so, the
circuit opens for `provider_breaker_open_s` and calls fail at once with CircuitOpen, which
carries the seconds left (`retry_after`). After that time one call goes through: success
closes the circuit, failure opens it again. Keep one client per process (it owns the breaker).

A 4xx other than 401/403/429 is the request's fault (Zerion answers 400 to a malformed
address): AddressRejected, not retried and not counted by the breaker. 401/403 mean our API
key is wrong: an outage for the caller (ProviderError), counted.

Amounts and prices are parsed from the JSON text to Decimal, never through float. The chain is
named by Zerion's chain id (server/crypto/networks.py `Network.chain_id`): the provider layer
does not import the crypto domain, which imports it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from server.platform.config import Settings
from server.platform.metrics.prometheus import breaker_listener
from server.providers.base import ProviderError, ProviderUnavailable

PROVIDER = "zerion"
ATTEMPTS = 3
PAGE_SIZE = 100  # Zerion's largest transactions page
# Zerion's operation types → the documented transaction types; others are upper-cased.
TYPES = {"trade": "SWAP", "send": "TRANSFER", "receive": "RECEIVE"}
STATUSES = {"confirmed": "completed", "failed": "failed", "pending": "pending"}
DEFI_TYPES = {"deposit": "lending", "loan": "lending", "staked": "staking", "locked": "staking"}


class PortfolioUnavailable(ProviderUnavailable):
    """The portfolio provider failed (5xx, 429, timeout, connection) on every attempt."""

    code = "PROVIDER_UNAVAILABLE"
    retry_after = 5  # seconds a caller is told to wait: a blip, the breaker is still closed


class CircuitOpen(PortfolioUnavailable):
    """The provider failed too often lately: calls fail fast for `retry_after` seconds."""

    code = "CIRCUIT_BREAKER_OPEN"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Provider temporarily unavailable")
        self.retry_after = max(1, retry_after)


class AddressRejected(ProviderError):
    """The provider refused the request as malformed (a 4xx): the wallet address, as given,
    is not one it knows how to read."""

    code = "INVALID_ADDRESS"


class _Transient(Exception):
    """A failure worth another attempt."""


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
    """One asset moved or held: a transaction's sent/received side, a DeFi supply or debt."""

    symbol: str
    name: str
    amount: Decimal
    value_usd: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChainTransaction:
    hash: str
    log_index: int  # Zerion has one row per hash: always 0
    type: str  # SWAP, TRANSFER, RECEIVE, APPROVE, DEPOSIT, WITHDRAW, MINT, BURN, …
    timestamp: dt.datetime  # UTC
    block_number: int | None  # None while pending
    gas_used: int | None
    fee_amount: Decimal | None  # in fee_symbol, the chain's native asset
    fee_symbol: str | None
    fee_usd: Decimal | None
    status: str  # completed, failed, pending
    sent: Leg | None
    received: Leg | None


@dataclass(frozen=True, slots=True)
class NftItem:
    collection_id: str
    collection_name: str
    collection_address: str
    floor_price: Decimal | None  # in the chain's native asset
    floor_price_usd: Decimal | None
    change_24h_percent: Decimal | None
    token_id: str
    name: str
    image: str | None
    rarity: str | None


@dataclass(frozen=True, slots=True)
class DefiHolding:
    id: str  # the provider's group id: stable across syncs
    protocol: str  # AAVE, LIDO, …
    type: str  # lending, staking, liquidity
    supplied: tuple[Leg, ...]
    borrowed: tuple[Leg, ...]
    rewards: tuple[Leg, ...]
    health_factor: Decimal | None
    updated_at: dt.datetime


def _decimal(value: Any) -> Decimal | None:
    """A JSON number (parsed as Decimal or int) or numeric string; never a float."""
    if value is None or isinstance(value, bool | float):
        return None
    try:
        return Decimal(value) if isinstance(value, Decimal | int) else Decimal(str(value))
    except InvalidOperation:
        return None


def _quantity(q: dict[str, Any]) -> Decimal:
    numeric = _decimal(q.get("numeric"))
    if numeric is not None:
        return numeric
    raw = _decimal(q.get("int"))
    if raw is None:
        raise ProviderError("The provider answered a quantity without an amount")
    return raw.scaleb(-int(q.get("decimals") or 0))


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def _leg(item: dict[str, Any]) -> Leg:
    info = item.get("fungible_info") or {}
    return Leg(
        symbol=info.get("symbol") or "",
        name=info.get("name") or info.get("symbol") or "",
        amount=_quantity(item.get("quantity") or {}),
        value_usd=_decimal(item.get("value")),
    )


class ZerionClient:
    """Zerion's wallet endpoints, with retries and one circuit breaker."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float,
        breaker_threshold: int = 5,
        breaker_open_s: float = 60.0,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 2.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self._base,
            auth=httpx.BasicAuth(api_key, ""),
            timeout=timeout_s,
            headers={"Accept": "application/json"},
        )
        # A refused request is its own fault, not the provider's: the breaker ignores it.
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold,
            default_ttl=breaker_open_s,
            exclude=[AddressRejected],
        )
        self._breakers.add_listener(breaker_listener)
        self._open_s = breaker_open_s
        self._backoff = (backoff_initial_s, backoff_max_s)

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

    async def __aenter__(self) -> ZerionClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- calls -------------------------------------------------------------------------------

    async def _get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        breaker = await self._breakers.get_breaker(PROVIDER)
        try:
            async with breaker:
                return await self._retried(url, params)
        except OpenedState as state:
            left = state.opened_at + self._open_s - time.time()
            raise CircuitOpen(math.ceil(left)) from None
        except _Transient as error:
            if breaker.context.state == "opened":
                # This failure opened the circuit: the whole open time lies ahead.
                raise CircuitOpen(math.ceil(self._open_s)) from error
            raise PortfolioUnavailable(f"Zerion unavailable: {error}") from None

    async def _retried(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        initial, most = self._backoff
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_random_exponential(multiplier=initial, max=most),
            reraise=True,
        ):
            with attempt:
                return await self._once(url, params)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        try:
            response = await self._http.get(url, params=params)
        except httpx.TransportError as error:  # timeouts, refused and dropped connections
            raise _Transient(type(error).__name__) from None
        status = response.status_code
        if status >= 500 or status == 429:
            raise _Transient(f"HTTP {status}")
        if status in (401, 403):
            raise ProviderError(f"Zerion refused the API key (HTTP {status})")
        if status >= 400:
            raise AddressRejected(_detail(response) or f"Zerion refused the request ({status})")
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise ProviderError("Zerion answered a body that is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ProviderError("Zerion answered a document without data")
        return body

    def _wallet(self, address: str, what: str) -> str:
        return f"/v1/wallets/{quote(address, safe='')}/{what}/"

    # -- endpoints ---------------------------------------------------------------------------

    async def positions(self, address: str, chain: str) -> list[TokenPosition]:
        """The wallet's tokens on `chain` (Zerion's chain id): wallet-type positions only."""
        body = await self._get(
            self._wallet(address, "positions"),
            {"filter[chain_ids]": chain, "filter[positions]": "only_simple", "currency": "usd"},
        )
        out = []
        for item in body["data"]:
            a = item.get("attributes") or {}
            if a.get("position_type", "wallet") != "wallet":
                continue
            info = a.get("fungible_info") or {}
            impl: dict[str, Any] = next(
                (i for i in info.get("implementations") or [] if i.get("chain_id") == chain), {}
            )
            out.append(
                TokenPosition(
                    symbol=info.get("symbol") or "",
                    name=info.get("name") or info.get("symbol") or "",
                    contract=impl.get("address") or None,
                    quantity=_quantity(a.get("quantity") or {}),
                    price_usd=_decimal(a.get("price")),
                    value_usd=_decimal(a.get("value")),
                    change_24h_percent=_decimal((a.get("changes") or {}).get("percent_1d")),
                )
            )
        return out

    async def transactions(
        self, address: str, chain: str, since: dt.datetime | None = None
    ) -> AsyncIterator[list[ChainTransaction]]:
        """The wallet's transactions on `chain`, newest first, one provider page at a time;
        with `since`, only those mined then or later (an incremental sync)."""
        params = {"filter[chain_ids]": chain, "page[size]": str(PAGE_SIZE), "currency": "usd"}
        if since is not None:
            params["filter[min_mined_at]"] = str(math.floor(since.timestamp() * 1000))
        url: str | None = self._wallet(address, "transactions")
        query: dict[str, str] | None = params
        while url is not None:
            body = await self._get(url, query)
            yield [_transaction(item) for item in body["data"]]
            url, query = self._next(body), None

    def _next(self, body: dict[str, Any]) -> str | None:
        link = (body.get("links") or {}).get("next")
        if not link:
            return None
        # The API key goes with every request: never to a host other than the provider's.
        if not str(link).startswith(self._base + "/"):
            raise ProviderError("Zerion's next page points outside its API")
        return str(link)

    async def nfts(self, address: str, chain: str) -> list[NftItem]:
        """The wallet's NFTs on `chain`, each with its collection's floor price."""
        body = await self._get(
            self._wallet(address, "nft-positions"), {"filter[chain_ids]": chain, "currency": "usd"}
        )
        return [_nft(item) for item in body["data"]]

    async def defi(self, address: str, chain: str) -> list[DefiHolding]:
        """The wallet's protocol positions on `chain`, one holding per protocol position."""
        body = await self._get(
            self._wallet(address, "positions"),
            {"filter[chain_ids]": chain, "filter[positions]": "only_complex", "currency": "usd"},
        )
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in body["data"]:
            a = item.get("attributes") or {}
            key = a.get("group_id") or f"{a.get('protocol')}:{a.get('pool_address') or item['id']}"
            groups.setdefault(str(key), []).append(a)
        return [_holding(key, members) for key, members in groups.items()]


def _detail(response: httpx.Response) -> str | None:
    try:
        errors = response.json().get("errors") or []
        return str(errors[0].get("detail") or errors[0].get("title"))
    except (ValueError, AttributeError, IndexError, TypeError):
        return None


def _transaction(item: dict[str, Any]) -> ChainTransaction:
    a = item.get("attributes") or {}
    sent = received = None
    for transfer in a.get("transfers") or []:
        if transfer.get("direction") == "out" and sent is None:
            sent = _leg(transfer)
        elif transfer.get("direction") == "in" and received is None:
            received = _leg(transfer)
    fee = a.get("fee") or {}
    kind = str(a.get("operation_type") or "execute")
    block = a.get("mined_at_block")
    gas = a.get("gas_used")  # a sandbox extension; Zerion itself does not say
    return ChainTransaction(
        hash=str(a.get("hash") or item.get("id")),
        log_index=0,
        type=TYPES.get(kind, kind.upper()),
        timestamp=_time(a.get("mined_at")) or dt.datetime.now(dt.UTC),
        block_number=block if isinstance(block, int) else None,
        gas_used=gas if isinstance(gas, int) and not isinstance(gas, bool) else None,
        fee_amount=_quantity(fee["quantity"]) if fee.get("quantity") else None,
        fee_symbol=(fee.get("fungible_info") or {}).get("symbol") if fee else None,
        fee_usd=_decimal(fee.get("value")),
        status=STATUSES.get(str(a.get("status")), "completed"),
        sent=sent,
        received=received,
    )


def _nft(item: dict[str, Any]) -> NftItem:
    a = item.get("attributes") or {}
    nft = a.get("nft_info") or {}
    collection = a.get("collection_info") or {}
    floor = a.get("floor_price") or {}  # a sandbox extension; else the position's price
    relation = ((item.get("relationships") or {}).get("nft_collection") or {}).get("data") or {}
    contract = str(nft.get("contract_address") or "")
    token_id = str(nft.get("token_id") or "")
    return NftItem(
        collection_id=str(relation.get("id") or contract),
        collection_name=collection.get("name") or contract,
        collection_address=contract,
        floor_price=_decimal(floor.get("native")),
        floor_price_usd=_decimal(floor.get("usd")) or _decimal(a.get("price")),
        change_24h_percent=_decimal(floor.get("percent_1d")),
        token_id=token_id,
        name=nft.get("name") or f"#{token_id}",
        image=((nft.get("content") or {}).get("preview") or {}).get("url"),
        rarity=nft.get("rarity"),
    )


def _holding(key: str, members: list[dict[str, Any]]) -> DefiHolding:
    legs: dict[str, list[Leg]] = {"supplied": [], "borrowed": [], "rewards": []}
    kinds = {str(a.get("position_type") or "") for a in members}
    for a in members:
        bucket = {"loan": "borrowed", "reward": "rewards"}.get(
            str(a.get("position_type")), "supplied"
        )
        legs[bucket].append(_leg(a))
    order = ("loan", "deposit", "staked", "locked")
    kind = next((DEFI_TYPES[k] for k in order if k in kinds), "liquidity")
    protocol = str(members[0].get("protocol") or "unknown")
    health = next((h for a in members if (h := _decimal(a.get("health_factor"))) is not None), None)
    times = [t for a in members if (t := _time(a.get("updated_at"))) is not None]
    return DefiHolding(
        id=key,
        # "Aave V3" → AAVE: the protocol, not its version.
        protocol=protocol.split()[0].upper(),
        type=kind,
        supplied=tuple(legs["supplied"]),
        borrowed=tuple(legs["borrowed"]),
        rewards=tuple(legs["rewards"]),
        health_factor=health,
        updated_at=max(times) if times else dt.datetime.now(dt.UTC),
    )
