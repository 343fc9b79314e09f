"""Seed 004's integration providers ("Get Available Providers") and what connecting each means.

PLAID is a bank link: the public token from Plaid Link is exchanged for the item's access
token, and the item becomes the same bank connection (with all its accounts) that the banking
routes read. QUICKBOOKS is an app connection (server/apps): the code and state of the OAuth flow
that `/api/integrations/oauth/quickbooks/authorize` started.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.platform.errors import FieldViolation, InvalidInput


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    provider: str
    name: str
    description: str
    features: tuple[str, ...]
    logo: str
    auth_type: str = "oauth2"
    webhook_support: bool = True
    status: str = "active"


PROVIDERS: dict[str, ProviderInfo] = {
    p.provider: p
    for p in (
        ProviderInfo(
            "QUICKBOOKS",
            "QuickBooks Online",
            "Sync invoices, bills, and business transactions",
            ("invoices", "bills", "accounts", "customers"),
            "https://static.fingate.dev/logos/quickbooks.svg",
        ),
        ProviderInfo(
            "PLAID",
            "Plaid",
            "Connect bank and investment accounts",
            ("banking", "investments", "transactions"),
            "https://static.fingate.dev/logos/plaid.svg",
        ),
    )
}
# What each app connection status reads as in seed 004's upper-case vocabulary.
STATUSES = {"pending": "PENDING", "connected": "ACTIVE", "expired": "EXPIRED", "error": "ERROR"}


def connectable(provider: str) -> ProviderInfo:
    """The provider `provider` names (any case); InvalidInput on `provider`, saying why,
    otherwise."""
    name = provider.strip().upper()
    if name == "MX":
        raise _refuse("MX is coming soon and cannot be connected yet")
    if name == "TELLER":
        raise _refuse("Teller accounts are connected through POST /api/v1/banking/connect")
    found = PROVIDERS.get(name)
    if found is None:
        raise _refuse(f"must be one of {', '.join(PROVIDERS)}")
    return found


def _refuse(message: str) -> InvalidInput:
    return InvalidInput([FieldViolation("provider", message)], message)
