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
    link_and_sync,
)
from server.cache.store import Cache
from server.db.database import Database
from server.encryption import Vault
from server.errors import FieldViolation, InvalidInput
from server.jobs.app import JobQueue
from server.providers.errors import FAILURES, translate

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
        plaid: PlaidAdapter = self.providers("PLAID")
        try:
            link = await plaid.exchange(public_token)
            accounts = await plaid.accounts(link.access_token)
        except FAILURES as error:
            raise translate(error, field="code") from None
        linked = await link_and_sync(
            self.db,
            self.jobs,
            self.cache,
            self.vault,
            provider="PLAID",
            link=link,
            accounts=accounts,
        )
        return Connected(
            id=linked.connection_id,
            provider="PLAID",
            status="ACTIVE",
            connected_at=linked.connected_at,
            message="Plaid integration connected successfully",
        )
