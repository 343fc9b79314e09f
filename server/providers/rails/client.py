"""The Flowlet gateway's integrations, one client for all four types: the ACH and SWIFT rails
over their REST API (httpx), and the authentication check of PLAID and TELLER through their
existing adapters.

Each call takes the integration's `config` (CONFIG_KEYS; `api_base` overrides the settings'
base URL). ACH and SWIFT authenticate with `Authorization: Bearer <api_key>` and name the
originator the key acts for in `Originator-Id` (ACH: `originator_id`, SWIFT: `bic`).

Reads (authenticate, probe, accounts, transactions, payment_status) are retried on a 5xx, a
429, a timeout or a dropped connection and run inside a circuit breaker per rail endpoint and
originator (type, base URL, originator; server/providers/resilience.py): after
`provider_breaker_threshold` calls in a row failed even so, they fail at once with
RailUnavailable for `provider_breaker_open_s`.
Refusals (RailAuthFailed, UnknownAccount) do not count against the breaker.

`submit` is ONE attempt, never retried here: what failed is told apart by what the rail can
have done (server/providers/rails/types.py): NotExecuted when it certainly did nothing (a 4xx
refusal other than 409, connection refused, connect or pool timeout, the breaker open), else
Ambiguous (read timeout after sending, 5xx, dropped connection, an unreadable 2xx). The caller
resolves an Ambiguous with `payment_status` under the same idempotency key; that answers None
only when the rail itself says it has no payment with the key (404 `not_found`), never for a
404 it cannot read (a wrong base URL), which is RailUnavailable.

Nothing here logs: API keys and full account numbers never reach a log line from this module,
and no error message carries them (only statuses, codes and the rail's own messages).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from server.platform.config import SANDBOX_RAIL_KEY_PREFIX, Settings
from server.providers.base import (
    InvalidCredentials,
    ProviderError,
    ProviderUnavailable,
    decimal_or_none,
)
from server.providers.plaid import PlaidProvider
from server.providers.rails.types import (
    API_BASE_KEY,
    CONFIG_KEYS,
    PAYMENT_STATUSES,
    PAYMENT_TYPES,
    RAIL_TYPES,
    Ambiguous,
    NotExecuted,
    PaymentOrder,
    RailAccount,
    RailAuthFailed,
    RailError,
    RailPayment,
    RailTransaction,
    RailUnavailable,
    UnknownAccount,
)
from server.providers.resilience import Resilience, Transient, check_transient
from server.providers.teller import TellerProvider

T = TypeVar("T")
LIMIT_MAX = 500  # the rails' largest transactions page
ORIGINATOR_KEY = {"ACH": "originator_id", "SWIFT": "bic"}
# Teller application ids (`app_` and letters and digits); Teller has no call that verifies one.
TELLER_APPLICATION_ID = re.compile(r"^app_[A-Za-z0-9]{6,64}$")
# What proves a submit never left this process: no connection was made, or none was free.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _unavailable(message: str, retry_after: int) -> Exception:
    return RailUnavailable(message, retry_after=retry_after)


def _money(value: Any) -> Decimal:
    found = decimal_or_none(value)
    if found is None:
        raise ValueError("not an amount")
    return found.quantize(Decimal("0.01"))


def _time(text: Any) -> dt.datetime:
    t = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _rfc3339(t: dt.datetime) -> str:
    t = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _optional(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _body(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def _error(response: httpx.Response) -> dict[str, Any]:
    """The rail's `{"error": {...}}`, or {} when the answer is not one."""
    try:
        error = _body(response).get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _reason(response: httpx.Response) -> str:
    error = _error(response)
    code = str(error.get("code") or f"HTTP {response.status_code}")
    message = error.get("message")
    return f"{code}: {message}" if isinstance(message, str) and message else code


def _account(a: dict[str, Any]) -> RailAccount:
    return RailAccount(
        account_id=str(a["account_id"]),
        account_number=str(a["account_number"]),
        routing_number=_optional(a.get("routing_number")),
        account_type=str(a.get("account_type") or "CHECKING").upper(),
        bank_name=str(a.get("bank_name") or ""),
        currency=str(a["currency"]).upper(),
        balance=_money(a["balance"]),
        available_balance=_money(a.get("available_balance", a["balance"])),
        account_holder_name=str(a.get("account_holder_name") or ""),
        iban=_optional(a.get("iban")),
        swift_code=_optional(a.get("swift_code")),
    )


def _transaction(t: dict[str, Any]) -> RailTransaction:
    fees, rate = decimal_or_none(t.get("fees")), decimal_or_none(t.get("exchange_rate"))
    metadata = t.get("metadata")
    return RailTransaction(
        transaction_id=str(t["transaction_id"]),
        account_id=str(t["account_id"]),
        amount=_money(t["amount"]),
        currency=str(t["currency"]).upper(),
        transaction_type=str(t["type"]).upper(),
        status=str(t.get("status") or "COMPLETED").upper(),
        description=str(t.get("description") or ""),
        timestamp=_time(t["timestamp"]),
        reference_id=_optional(t.get("reference_id")),
        counterparty_account=_optional(t.get("counterparty_account")),
        counterparty_name=_optional(t.get("counterparty_name")),
        fees=None if fees is None else fees.quantize(Decimal("0.01")),
        exchange_rate=rate,
        metadata=_plain(metadata) if isinstance(metadata, dict) else None,
    )


def _plain(value: Any) -> Any:
    """JSON values as parsed, with Decimals back to str so the metadata stays JSON-ready."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Decimal) else value


def _payment(data: Any) -> RailPayment:
    if not isinstance(data, dict):
        raise ValueError("not a payment")
    status = str(data.get("status") or "").upper()
    if not data.get("id") or status not in PAYMENT_STATUSES:
        raise ValueError("not a payment")
    return RailPayment(rail_transaction_id=str(data["id"]), status=status)


class Rails:
    """Every Flowlet integration type behind one client. Keep one per process: it owns the
    connection pool and the breakers."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._timeout = settings.rail_timeout_s
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(self._timeout, connect=min(5.0, self._timeout)),
            headers={"Accept": "application/json"},
        )
        self._resilience = Resilience(settings, unavailable=_unavailable, exclude=[RailError])

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- configuration -----------------------------------------------------------------------

    def _base(self, type: str, config: Mapping[str, str]) -> str:
        defaults = {
            "PLAID": self._settings.plaid_api_base,
            "TELLER": self._settings.teller_api_base,
            "ACH": self._settings.ach_api_base,
            "SWIFT": self._settings.swift_api_base,
        }
        base = (config.get(API_BASE_KEY) or defaults[type]).rstrip("/")
        if not base:
            raise RailError(f"No API base URL for {type}: the integration's config needs api_base")
        return base

    @staticmethod
    def _check_type(type: str, allowed: tuple[str, ...]) -> None:
        if type not in allowed:
            raise ValueError(f"type must be one of {', '.join(allowed)}, got {type!r}")

    def _required(self, type: str, config: Mapping[str, str]) -> dict[str, str]:
        missing = [key for key in CONFIG_KEYS[type] if not config.get(key)]
        if missing:
            raise RailAuthFailed(f"the config lacks {', '.join(missing)}")
        return {key: config[key] for key in CONFIG_KEYS[type]}

    def _target(self, type: str, config: Mapping[str, str]) -> tuple[str, str, dict[str, str]]:
        """(breaker name, base URL, headers) of an ACH or SWIFT integration."""
        self._check_type(type, PAYMENT_TYPES)
        values = self._required(type, config)
        base = self._base(type, config)
        key = values["api_key"]
        if self._settings.is_production and key.startswith(SANDBOX_RAIL_KEY_PREFIX):
            raise RailAuthFailed("a sandbox API key cannot be used in production")
        headers = {
            "Authorization": f"Bearer {key}",
            "Originator-Id": values[ORIGINATOR_KEY[type]],
        }
        # One breaker per originator at an endpoint: one integration's failures (its key, its
        # limits) do not shut the rail for the others.
        return f"{type}:{base}:{values[ORIGINATOR_KEY[type]]}", base, headers

    # -- reads ---------------------------------------------------------------------------------

    async def _get(
        self,
        type: str,
        config: Mapping[str, str],
        path: str,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A retried GET inside the rail's breaker; 401/403 → RailAuthFailed. Other statuses
        below 500 are the caller's to read."""
        service, base, headers = self._target(type, config)

        async def attempt() -> httpx.Response:
            response = await self._http.get(base + path, params=params, headers=headers)
            check_transient(response)
            if response.status_code in (401, 403):
                raise RailAuthFailed(_reason(response))
            return response

        return await self._resilience.call(service, attempt)

    async def authenticate(self, type: str, config: Mapping[str, str]) -> None:
        """The integration's credentials work: RailAuthFailed when refused, RailUnavailable
        when the rail cannot tell."""
        self._check_type(type, RAIL_TYPES)
        if type == "PLAID":
            await self._plaid_auth(config)
        elif type == "TELLER":
            await self._teller_auth(config)
        else:
            response = await self._get(type, config, "/v1/auth")
            _read(response, _ok)

    async def probe(self, type: str, config: Mapping[str, str]) -> float:
        """Seconds the authentication call took (health); raises like authenticate."""
        started = time.perf_counter()
        await self.authenticate(type, config)
        return time.perf_counter() - started

    async def accounts(
        self, type: str, config: Mapping[str, str], customer_id: str
    ) -> list[RailAccount]:
        self._check_type(type, PAYMENT_TYPES)
        path = f"/v1/customers/{quote(customer_id, safe='')}/accounts"
        response = await self._get(type, config, path)
        return _read(response, lambda data: [_account(a) for a in data["data"]])

    async def transactions(
        self,
        type: str,
        config: Mapping[str, str],
        account_id: str,
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        limit: int,
    ) -> list[RailTransaction]:
        """Newest first, at most `limit` (1..500), between `start` and `end` (inclusive)."""
        self._check_type(type, PAYMENT_TYPES)
        if not 1 <= limit <= LIMIT_MAX:
            raise ValueError(f"limit must be 1..{LIMIT_MAX}")
        params = {"limit": str(limit)}
        if start is not None:
            params["start"] = _rfc3339(start)
        if end is not None:
            params["end"] = _rfc3339(end)
        path = f"/v1/accounts/{quote(account_id, safe='')}/transactions"
        response = await self._get(type, config, path, params)
        if response.status_code == 404 and _error(response).get("code") == "not_found":
            raise UnknownAccount("The rail has no such account")
        return _read(response, lambda data: [_transaction(t) for t in data["data"]])

    async def payment_status(
        self, type: str, config: Mapping[str, str], idempotency_key: str
    ) -> RailPayment | None:
        """The payment the rail holds under the key, or None when the rail says it has none
        (so it never executed). RailUnavailable whenever it cannot tell, refused credentials
        included: the payment's fate is then still unknown."""
        try:
            response = await self._get(
                type, config, "/v1/payments", {"idempotency_key": idempotency_key}
            )
        except RailAuthFailed as error:
            raise RailUnavailable(f"The rail refused the status lookup: {error.reason}") from None
        if response.status_code == 404 and _error(response).get("code") == "not_found":
            return None
        if response.status_code != 200:
            raise RailUnavailable(f"The rail answered {_reason(response)} to a status lookup")
        return _read(response, _payment)

    # -- the bank aggregators -------------------------------------------------------------------

    async def _plaid_auth(self, config: Mapping[str, str]) -> None:
        """Plaid: a call only the client id and secret authorize, through the Plaid adapter."""
        values = self._required("PLAID", config)
        base = self._base("PLAID", config)
        settings = dataclasses.replace(
            self._settings,
            plaid_api_base=base,
            plaid_client_id=values["client_id"],
            plaid_secret=values["secret"],
            provider_timeout_s=self._timeout,
        )
        plaid = PlaidProvider(settings)
        await self._resilience.call(f"PLAID:{base}", _aggregator_attempt(plaid.verify_keys))

    async def _teller_auth(self, config: Mapping[str, str]) -> None:
        """Teller: its API authenticates with a client certificate and per-enrollment tokens
        and has no call that verifies an application id, so the id's format is checked and
        Teller must answer its institutions listing."""
        values = self._required("TELLER", config)
        if not TELLER_APPLICATION_ID.match(values["application_id"]):
            raise RailAuthFailed("application_id is not a Teller application id (app_...)")
        base = self._base("TELLER", config)
        settings = dataclasses.replace(
            self._settings, teller_api_base=base, provider_timeout_s=self._timeout
        )
        teller = TellerProvider(settings)
        await self._resilience.call(f"TELLER:{base}", _aggregator_attempt(teller.institutions))

    # -- the payment ---------------------------------------------------------------------------

    async def submit(
        self, type: str, config: Mapping[str, str], order: PaymentOrder, idempotency_key: str
    ) -> RailPayment:
        """One attempt at the payment; raises NotExecuted or Ambiguous (never retried here)."""
        try:
            service, base, headers = self._target(type, config)
        except RailError as error:  # nothing was sent
            raise NotExecuted(str(error)) from None
        left = await self._resilience.open_for(service)
        if left is not None:
            raise NotExecuted(f"the rail is failing: circuit open for {left} s")
        body = {
            "amount": str(order.amount),
            "currency": order.currency,
            "from_account": order.from_account,
            "to_account": order.to_account,
            "description": order.description,
            "reference_id": order.reference_id,
            "metadata": order.metadata,
        }
        headers = {
            **headers,
            "Idempotency-Key": idempotency_key,
            "Content-Type": "application/json",
        }
        try:
            response = await self._http.post(
                base + "/v1/payments", content=json.dumps(body, default=str), headers=headers
            )
        except _NOT_SENT as error:
            name = error.__class__.__name__
            raise NotExecuted(f"the rail could not be reached ({name})") from None
        except httpx.TransportError as error:
            name = error.__class__.__name__
            raise Ambiguous(f"no answer after sending ({name})") from None
        return _submitted(response)


def _read(response: httpx.Response, parse: Callable[[Any], T]) -> T:
    if response.status_code != 200:
        raise RailError(f"The rail answered {_reason(response)}")
    try:
        return parse(_body(response))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RailUnavailable("The rail answered an unreadable body") from None


def _ok(data: Any) -> None:
    if not isinstance(data, dict) or data.get("ok") is not True:
        raise ValueError("not ok")


def _submitted(response: httpx.Response) -> RailPayment:
    status = response.status_code
    if status in (200, 201):
        try:
            return _payment(_body(response))
        except ValueError:
            raise Ambiguous("the rail accepted the payment with an unreadable answer") from None
    if status == 409:
        raise RailError(f"The rail refused the idempotency key: {_reason(response)}")
    if 400 <= status < 500:
        error = _error(response)
        if error.get("executed") is True:
            raise Ambiguous(f"the rail answered {_reason(response)} after executing")
        raise NotExecuted(_reason(response))
    raise Ambiguous(f"the rail answered HTTP {status}")


def _aggregator_attempt(call: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    """An aggregator call in the rails' terms: its outage is Transient (retried, counted), a
    refusal of the keys RailAuthFailed, anything else a RailError (neither)."""

    async def attempt() -> None:
        try:
            await call()
        except ProviderUnavailable as error:
            raise Transient(error.code) from None
        except InvalidCredentials as error:
            raise RailAuthFailed(error.code) from None
        except ProviderError as error:
            raise RailError(f"The provider answered {error.code}") from None

    return attempt
