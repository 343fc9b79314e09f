"""The adapter of each supported bank aggregator, chosen by provider name."""

from __future__ import annotations

from typing import Protocol

from server.platform.config import Settings
from server.providers.base import (
    PROVIDERS,
    SUPPORTED_PROVIDERS,
    ProviderAccount,
    TransactionPage,
)


class BankProvider(Protocol):
    """One aggregator's API in fingate's terms. Every method raises a ProviderError subclass
    (server/providers/base.py) on failure, never the client library's own exceptions."""

    name: str  # "PLAID" | "TELLER"

    async def accounts(self, access_token: str) -> list[ProviderAccount]:
        """Every account of the grant, with current balances."""
        ...

    async def transactions(self, access_token: str, cursor: str, count: int) -> TransactionPage:
        """Changes since `cursor` ('' = from the beginning), at most `count` per page."""
        ...

    async def check(self, access_token: str) -> None:
        """Returns when the grant is usable; raises LoginRequired or AccessRevoked."""
        ...

    async def remove(self, access_token: str) -> None:
        """Revokes the grant at the provider (Plaid /item/remove)."""
        ...


class UnsupportedProvider(ValueError):
    """A provider name fingate does not (yet) connect to."""


def provider_for(name: str, settings: Settings) -> BankProvider:
    """The adapter for `name` ("PLAID", "TELLER"; any case). MX is known but refused as
    coming soon (seed 000); any other name is refused as unknown."""
    key = name.strip().upper()
    if key == "PLAID":
        from server.providers.plaid import PlaidProvider

        return PlaidProvider(settings)
    if key == "TELLER":
        from server.providers.teller import TellerProvider

        return TellerProvider(settings)
    if key in PROVIDERS:
        raise UnsupportedProvider(
            f"{key} is coming soon; supported: {', '.join(SUPPORTED_PROVIDERS)}"
        )
    raise UnsupportedProvider(
        f"unknown provider {name!r}; supported: {', '.join(SUPPORTED_PROVIDERS)}"
    )
