"""What every bank-aggregator adapter returns: provider data in fingate's terms.

Adapters (server/providers/plaid.py, teller.py) speak each provider's own API and translate
here, once: money as Decimal with fingate's sign (negative = money out of the account, as seed
004 shows `-45.67` for a coffee), account types in both vocabularies the facades render (Mappr's
`CHECKING`… and Dashtam's `checking`…), times in UTC. Nothing above this layer knows a
provider's wire format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


def decimal_or_none(value: Any) -> Decimal | None:
    """A JSON number parsed as Decimal (or an int) or a numeric string, as Decimal; None for
    anything else, a float included: money is never read through float."""
    if value is None or isinstance(value, bool | float):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


# Seed 004 `type` values (List Bank Accounts filter), plus LOAN and OTHER for what fits none.
ACCOUNT_TYPES = ("CHECKING", "SAVINGS", "CREDIT_CARD", "INVESTMENT", "LOAN", "OTHER")
# Seed 003 "Account Types" table (Dashtam's `account_type`).
ACCOUNT_SUBTYPES = (
    "brokerage",
    "ira",
    "roth_ira",
    "sep_ira",
    "simple_ira",
    "401k",
    "403b",
    "checking",
    "savings",
    "money_market",
    "cd",
    "hsa",
    "education",
    "trust",
    "other",
)
PROVIDERS = ("PLAID", "TELLER", "MX")
# MX is documented as "coming soon" (seed 000): known, refused with a clear error.
SUPPORTED_PROVIDERS = ("PLAID", "TELLER")


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    name: str
    logo: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A provider's grant of access: Plaid's item, Teller's enrollment."""

    access_token: str
    item_id: str
    institution: Institution


@dataclass(frozen=True, slots=True)
class ProviderAccount:
    provider_account_id: str
    name: str
    type: str  # one of ACCOUNT_TYPES
    subtype: str  # one of ACCOUNT_SUBTYPES
    currency: str
    balance: Decimal  # current (ledger) balance
    available_balance: Decimal | None
    mask: str | None  # last four digits
    account_number: str | None = None  # full number where the provider gives it (secret)
    status: str = "open"  # "open" | "closed"
    # The provider's own subtype ("mortgage", "student", "credit card"), finer than `subtype`:
    # what tells a mortgage from another loan on the balance sheet.
    provider_subtype: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderTransaction:
    provider_transaction_id: str
    provider_account_id: str
    amount: Decimal  # negative = money out
    description: str
    date: dt.datetime  # the posting (or pending) date, UTC
    pending: bool
    currency: str = "USD"
    merchant_name: str | None = None
    merchant_category: str | None = None
    category: str | None = None
    subcategory: str | None = None
    timestamp: dt.datetime | None = None  # when it was authorized, where known
    # On a posted transaction, the provider id of the pending one it replaces.
    pending_transaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class TransactionPage:
    """One page of changes since `cursor`: Plaid's /transactions/sync shape, which Teller's
    full listing is also reduced to (everything `added`, `has_more` False)."""

    added: list[ProviderTransaction] = field(default_factory=list)
    modified: list[ProviderTransaction] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # provider transaction ids
    next_cursor: str = ""
    has_more: bool = False


class ProviderError(Exception):
    """A provider call failed. `code` is the provider's error code where it gives one."""

    code: str = "PROVIDER_ERROR"
    # Permanent: retrying cannot help; the connection needs a full re-link (seed 000 FAILED).
    permanent: bool = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class LoginRequired(ProviderError):
    """The user must sign in at the institution again (Plaid ITEM_LOGIN_REQUIRED, Teller
    enrollment.disconnected): the connection becomes DISCONNECTED."""

    code = "ITEM_LOGIN_REQUIRED"


class AccessRevoked(ProviderError):
    """The grant no longer exists (item removed, token invalid): the connection is FAILED."""

    code = "ITEM_NOT_FOUND"
    permanent = True


class MutationDuringPagination(ProviderError):
    """Plaid TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: restart from the last cursor."""

    code = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"


class ProviderUnavailable(ProviderError):
    """5xx, timeout or connection refused: transient, retried with backoff."""

    code = "PROVIDER_UNAVAILABLE"


class InvalidCredentials(ProviderError):
    """A public token, access token or enrollment the provider does not accept, given by the
    caller (400 to the client, not a connection failure)."""

    code = "INVALID_CREDENTIALS"
