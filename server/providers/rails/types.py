"""What the payment-rail adapters return (the Flowlet gateway's integrations), and their
failures, in fingate's terms.

Money is Decimal (parsed from the JSON text, never through float), times UTC. A transaction's
`amount` is positive as the rail gives it; `transaction_type` (DEBIT: money out of the account,
CREDIT: money in) carries the direction.

The failures of a payment submit say what a caller may do next, which is the whole point of
them: "money must never move twice and never silently fail".
- NotExecuted: the rail certainly did not execute the payment (it refused it, or the request
  never left: connection refused, connect timeout, our key refused, breaker open). Another
  integration may be tried.
- Ambiguous: it may have executed (a read timeout after the request was sent, a 5xx, a
  connection dropped mid-answer, an unreadable 2xx). Nothing may be tried elsewhere until
  `payment_status` with the same idempotency key tells which: a payment, or None (never
  executed).
- a bare RailError: a bug on our side (409: the idempotency key was reused with another
  order); neither retried nor failed over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.providers.base import ProviderError

RAIL_TYPES = ("PLAID", "TELLER", "ACH", "SWIFT")
PAYMENT_TYPES = ("ACH", "SWIFT")  # the ones that move money
# Required config keys per type, and which of them are secrets (never echoed, sealed at rest).
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "PLAID": ("client_id", "secret"),
    "TELLER": ("application_id",),
    "ACH": ("api_key", "originator_id"),
    "SWIFT": ("api_key", "bic"),
}
SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "PLAID": ("secret",),
    "TELLER": (),
    "ACH": ("api_key",),
    "SWIFT": ("api_key",),
}
# Optional for every type: overrides the settings' base URL (an http(s) URL).
API_BASE_KEY = "api_base"
PAYMENT_STATUSES = ("PENDING", "COMPLETED", "FAILED")


@dataclass(frozen=True, slots=True)
class RailAccount:
    account_id: str
    account_number: str  # full: a secret, the domain masks it
    routing_number: str | None  # ACH
    account_type: str  # CHECKING | SAVINGS
    bank_name: str
    currency: str
    balance: Decimal
    available_balance: Decimal
    account_holder_name: str
    iban: str | None  # SWIFT
    swift_code: str | None  # SWIFT


@dataclass(frozen=True, slots=True)
class RailTransaction:
    transaction_id: str
    account_id: str
    amount: Decimal  # positive; the direction is transaction_type
    currency: str
    transaction_type: str  # DEBIT | CREDIT
    status: str  # COMPLETED | PENDING | FAILED
    description: str
    timestamp: dt.datetime  # UTC
    reference_id: str | None
    counterparty_account: str | None
    counterparty_name: str | None
    fees: Decimal | None
    exchange_rate: Decimal | None  # SWIFT, when a conversion applied
    metadata: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    amount: Decimal
    currency: str
    from_account: str
    to_account: str
    description: str
    reference_id: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RailPayment:
    rail_transaction_id: str
    status: str  # PENDING | COMPLETED | FAILED


class RailError(ProviderError):
    """A payment rail call failed; as such (not a subclass): a bug on our side, such as an
    idempotency key reused with another order (409)."""

    code = "RAIL_ERROR"


class _Reasoned:
    """A rail failure that says why in `reason`, after its class's `prefix`."""

    prefix = ""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{self.prefix}: {reason}")  # type: ignore[call-arg]
        self.reason = reason


class NotExecuted(_Reasoned, RailError):
    """The rail certainly did not execute the payment: safe to try another integration."""

    code = "PAYMENT_NOT_EXECUTED"
    prefix = "The payment was not executed"


class Ambiguous(_Reasoned, RailError):
    """The payment may have executed: resolve with payment_status before anything else."""

    code = "PAYMENT_OUTCOME_UNKNOWN"
    prefix = "The payment's outcome is unknown"


class RailUnavailable(RailError):
    """A call other than a submit failed on every attempt (5xx, 429, timeout, connection), or
    the rail's breaker is open: try again in `retry_after` seconds."""

    code = "PROVIDER_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class RailAuthFailed(_Reasoned, RailError):
    """The rail refused the integration's credentials (401/403, Plaid INVALID_API_KEYS, a
    malformed Teller application id)."""

    code = "RAIL_AUTH_FAILED"
    prefix = "The credentials were refused"


class UnknownAccount(RailError):
    """The rail has no account with that id (404)."""

    code = "RAIL_ACCOUNT_NOT_FOUND"
