"""What the integrations hub's adapters return: tokens and records in fingate's terms, and
their failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from server.providers.base import ProviderError

SERVICES = ("stripe", "slack", "quickbooks", "xero")
# Seed 002 "Data Sync", per service.
DATA_TYPES: dict[str, tuple[str, ...]] = {
    "stripe": ("payments", "invoices", "customers", "subscriptions"),
    "slack": ("messages", "channels", "users"),
    "quickbooks": ("invoices", "expenses", "customers", "vendors"),
    "xero": ("invoices", "expenses", "contacts", "bank_transactions"),
}
# The provider scopes that cover those data types (offline_access: Xero's refresh token).
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    "stripe": ("read_write",),
    "slack": ("channels:read", "channels:history", "users:read", "users:read.email", "chat:write"),
    "quickbooks": ("com.intuit.quickbooks.accounting",),
    "xero": (
        "offline_access",
        "accounting.transactions",
        "accounting.contacts",
        "accounting.settings",
    ),
}


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None  # UTC, from expires_in; None when the token does not expire
    scopes: tuple[str, ...]  # as granted
    # Stripe stripe_user_id, Slack team id, QuickBooks realmId, Xero tenant id.
    account_id: str | None


@dataclass(frozen=True, slots=True)
class MappedRecord:
    """One provider record in seed 002's "Data Mapping" shape. `document` holds JSON-ready
    values except money, which is Decimal (major units: 1000 cents → Decimal("10.00")); times
    are RFC 3339 strings in UTC ("2024-01-01T00:00:00Z"), currencies upper-case ISO codes."""

    data_type: str  # one of DATA_TYPES[service]
    external_id: str  # the provider's id: the upsert key
    document: dict[str, Any]
    updated_at: dt.datetime | None


class AppProviderError(ProviderError):
    """An integrations-hub provider call failed."""

    code = "APP_PROVIDER_ERROR"


class AppUnavailable(AppProviderError):
    """5xx, 429, timeout or connection failure after the retries, or the circuit is open:
    try again in `retry_after` seconds."""

    code = "PROVIDER_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class GrantRefused(AppProviderError):
    """The token endpoint refused the code or refresh token (invalid_grant and kin): the user
    must connect again. `reason` is the provider's error (and description)."""

    code = "GRANT_REFUSED"
    permanent = True

    def __init__(self, reason: str) -> None:
        super().__init__(f"The provider refused the grant: {reason}")
        self.reason = reason


class TokenRejected(AppProviderError):
    """The data API refused the access token (401, Slack invalid_auth/token_expired): refresh
    it, or reconnect when refreshing is refused too."""

    code = "TOKEN_REJECTED"
