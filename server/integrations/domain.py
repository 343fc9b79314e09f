"""Connecting a third-party integration (seed 004 "Connect Integration").

PLAID is a bank link: the public token from Plaid Link is exchanged for the item's access
token, and the item becomes the same BankConnection (with all its accounts) that the banking
routes read. The document's other providers are refused for now, plainly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from server.banking.linking import (
    PlaidAdapter,
    Providers,
    first_sync,
    provider_refusal,
    store_link,
)
from server.cache.store import Cache
from server.context import principal, tenant
from server.db.database import Database
from server.encryption import Vault
from server.errors import FieldViolation, InvalidInput
from server.jobs.app import JobQueue
from server.providers.base import ProviderError
from server.tenancy.session import tenant_transaction

# Seed 004 "Get Available Providers" lists these; only PLAID connects in this version.
DOCUMENTED = ("QUICKBOOKS", "PLAID")
NAMES = {"PLAID": "Plaid", "QUICKBOOKS": "QuickBooks"}


@dataclass(frozen=True, slots=True)
class Connected:
    id: uuid.UUID
    provider: str
    status: str
    connected_at: dt.datetime
    message: str


def _refuse(message: str) -> InvalidInput:
    return InvalidInput([FieldViolation("provider", message)], message)


class Integrations:
    def __init__(
        self, db: Database, jobs: JobQueue, cache: Cache, vault: Vault, providers: Providers
    ):
        self.db = db
        self.jobs = jobs
        self.cache = cache
        self.vault = vault
        self.providers = providers

    async def connect(self, provider: str, code: str, state: str) -> Connected:
        name = provider.strip().upper()
        if name == "MX":
            raise _refuse("MX is coming soon and cannot be connected yet")
        if name == "TELLER":
            raise _refuse("Teller accounts are connected through POST /api/v1/banking/connect")
        if name not in DOCUMENTED:
            raise _refuse(f"must be one of {', '.join(DOCUMENTED)}")
        if name != "PLAID":
            raise _refuse(f"The {NAMES[name]} integration is not available yet")
        public_token = code.strip()
        if not public_token:
            raise InvalidInput([FieldViolation("code", "is required")])
        if len(public_token) > 512:
            raise InvalidInput([FieldViolation("code", "must be at most 512 characters")])
        plaid: PlaidAdapter = self.providers("PLAID")
        try:
            link = await plaid.exchange(public_token)
            accounts = await plaid.accounts(link.access_token)
        except ProviderError as error:
            raise provider_refusal(error, "code") from None
        t = tenant()
        async with tenant_transaction(self.db) as s:
            linked = await store_link(
                s,
                self.vault,
                organization_id=t.organization_id,
                plan=t.plan,
                user_id=principal().user_id,
                provider="PLAID",
                link=link,
                accounts=accounts,
            )
        await self.cache.delete(linked.stale)
        async with tenant_transaction(self.db) as s:
            await first_sync(
                s, self.jobs, organization_id=t.organization_id, connection_id=linked.connection_id
            )
        return Connected(
            id=linked.connection_id,
            provider="PLAID",
            status="ACTIVE",
            connected_at=linked.connected_at,
            message="Plaid integration connected successfully",
        )
