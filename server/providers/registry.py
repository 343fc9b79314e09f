"""The adapter of each supported bank aggregator, chosen by provider name."""

from __future__ import annotations

from typing import Protocol

from server.providers.base import ProviderAccount, TransactionPage


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
