"""The banking context's public API: what other contexts may ask of bank data.

The account operations (server/accounts/) and the integrations (server/integrations/) are
facades over this module and import nothing else of banking (an import-linter contract in
pyproject.toml keeps it so). Everything here works in the organization the tenant interceptor
resolved, and answers in plain data: records, dataclasses, never protos. Failures are
DomainErrors (NotFound, ConnectionNotActive, RateLimited, PlanLimitExceeded, provider failures
through server/providers/errors.py), which the errors interceptor maps once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, cast

from sqlalchemy import select, text

from server.banking import account_store as store
from server.banking import cache_keys as keys
from server.banking.account_sync import CONNECTION_NOT_FOUND, AccountSync, SyncCounts
from server.banking.connections import repository as connections
from server.banking.connections.domain import delete_connection
from server.banking.linking import PlaidAdapter, link_and_sync
from server.banking.models import BankConnection
from server.banking.services import BankingServices
from server.platform.context import tenant
from server.platform.errors import NotFound
from server.platform.tenancy.session import tenant_transaction
from server.providers.errors import FAILURES, translate

__all__ = [
    "ACCOUNT_NOT_FOUND",
    "CONNECTION_NOT_FOUND",
    "AccountRecord",
    "BankConnectionRecord",
    "CustomerAccount",
    "CustomerTransaction",
    "BankingApi",
    "LinkedItem",
    "SyncCounts",
    "account_lists_key",
]

ACCOUNT_NOT_FOUND = "Account not found"


class AccountRecord(Protocol):
    """One stored bank account as the API hands it out: a Core row with these attributes."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def connection_id(self) -> uuid.UUID: ...
    @property
    def provider_account_id(self) -> str: ...
    @property
    def last_four(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...  # coarse: CHECKING, SAVINGS, CREDIT_CARD, INVESTMENT, LOAN, OTHER
    @property
    def subtype(self) -> str: ...  # fine: server.providers.base.ACCOUNT_SUBTYPES
    @property
    def currency(self) -> str: ...
    @property
    def balance(self) -> Decimal: ...
    @property
    def available_balance(self) -> Decimal | None: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def last_sync_at(self) -> dt.datetime | None: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def updated_at(self) -> dt.datetime: ...


@dataclass(frozen=True, slots=True)
class LinkedItem:
    connection_id: uuid.UUID
    connected_at: dt.datetime


def account_lists_key(user_id: uuid.UUID | str) -> str:
    """The documented cache key of a user's account lists, which every change of a connection
    of theirs (or of their organizations') drops."""
    return keys.user_accounts(user_id)


@dataclass(frozen=True, slots=True)
class BankConnectionRecord:
    id: uuid.UUID
    provider: str  # PLAID, TELLER
    status: str  # ACTIVE, DISCONNECTED, FAILED…
    last_sync_at: dt.datetime | None
    last_sync_status: str  # PENDING, SUCCESS, FAILED…
    connected_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CustomerAccount:
    """A bank account of a customer (a user), across every organization they linked it in."""

    id: uuid.UUID
    provider: str  # PLAID, TELLER
    name: str
    type: str  # CHECKING, SAVINGS, CREDIT_CARD…
    currency: str
    balance: Decimal
    available_balance: Decimal | None
    last_four: str | None
    bank_name: str | None
    holder_name: str


@dataclass(frozen=True, slots=True)
class CustomerTransaction:
    id: uuid.UUID
    account_id: uuid.UUID
    amount: Decimal  # negative = money out
    currency: str
    description: str
    date: dt.datetime
    pending: bool
    merchant_name: str | None


@dataclass(eq=False)
class BankingApi(BankingServices):
    def __post_init__(self) -> None:
        self._sync = AccountSync(self.db, self.cache, self.vault, self.providers)

    async def list_accounts(
        self,
        *,
        connection_id: uuid.UUID | None = None,
        active_only: bool = False,
        subtype: str | None = None,
    ) -> list[AccountRecord]:
        """The organization's accounts, oldest first: all, or one connection's (NotFound with
        CONNECTION_NOT_FOUND when it is not the organization's), only the active ones, or of
        one subtype."""
        org_id = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            if connection_id is not None and not await connections.exists(s, org_id, connection_id):
                raise NotFound(CONNECTION_NOT_FOUND)
            rows = await store.records(
                s, org_id, connection_id=connection_id, active_only=active_only, subtype=subtype
            )
        return cast(list[AccountRecord], rows)

    async def bank_connections(self, provider: str) -> list[BankConnectionRecord]:
        """The organization's connections of one provider, newest first."""
        async with tenant_transaction(self.db) as s:
            rows = await s.execute(
                select(BankConnection)
                .where(
                    BankConnection.organization_id == tenant().organization_id,
                    BankConnection.provider == provider,
                )
                .order_by(BankConnection.created_at.desc())
            )
            return [
                BankConnectionRecord(
                    c.id, c.provider, c.status, c.last_sync_at, c.last_sync_status, c.created_at
                )
                for c in rows.scalars()
            ]

    async def customer_accounts(self, customer_id: uuid.UUID) -> list[CustomerAccount]:
        """Every active account of a customer's connections, whatever the organization: for
        internal callers only (the gateway), which the route's access rule ensures."""
        async with self.db.read() as s:
            rows = await s.execute(
                text("SELECT * FROM fingate_customer_accounts(:c)"), {"c": customer_id}
            )
            return [CustomerAccount(*row) for row in rows.all()]

    async def customer_transactions(
        self,
        account_id: uuid.UUID,
        provider: str,
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        limit: int,
    ) -> list[CustomerTransaction] | None:
        """An account's transactions, newest first; None when the id names no account of
        `provider`. For internal callers only."""
        async with self.db.read() as s:
            known = await s.scalar(
                text("SELECT fingate_provider_account_exists(CAST(:a AS uuid), CAST(:p AS text))"),
                {"a": account_id, "p": provider},
            )
            if not known:
                return None
            rows = await s.execute(
                text(
                    "SELECT * FROM fingate_account_transactions("
                    "CAST(:a AS uuid), CAST(:p AS text), CAST(:s AS timestamptz),"
                    " CAST(:e AS timestamptz), CAST(:n AS integer))"
                ),
                {"a": account_id, "p": provider, "s": start, "e": end, "n": limit},
            )
            return [CustomerTransaction(*row) for row in rows.all()]

    async def delete_connection(self, connection_id: uuid.UUID) -> None:
        """Deletes a connection as seed 000's DELETE does (ConnectionNotFound, Forbidden)."""
        await delete_connection(self.db, self.cache, connection_id)

    async def get_account_or_raise(self, account_id: uuid.UUID) -> AccountRecord:
        """One of the organization's accounts; NotFound with ACCOUNT_NOT_FOUND otherwise."""
        async with tenant_transaction(self.db) as s:
            row = await store.record(s, tenant().organization_id, account_id)
        if row is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        return cast(AccountRecord, row)

    async def sync_accounts(self, connection_id: uuid.UUID, *, force: bool) -> SyncCounts:
        """Fetches a connection's accounts from its provider now and upserts them (at most
        once in 15 minutes unless forced; new ones within the plan's limit), audited in
        the call's declared entry; a refused grant leaves the connection DISCONNECTED or
        FAILED (server/banking/account_sync.py)."""
        return await self._sync.run(connection_id, force=force)

    async def link_plaid_item(self, public_token: str, *, field: str) -> LinkedItem:
        """Exchanges a Plaid Link public token for its item and stores the item as a
        connection with every account (within the plan's limit), then queues its first full
        sync. Provider failures name `field`, the caller's field that held the token."""
        plaid: PlaidAdapter = self.providers("PLAID")
        try:
            link = await plaid.exchange(public_token)
            accounts = await plaid.accounts(link.access_token)
        except FAILURES as error:
            raise translate(error, field=field) from None
        linked = await link_and_sync(
            self.db,
            self.jobs,
            self.cache,
            self.vault,
            provider="PLAID",
            link=link,
            accounts=accounts,
        )
        return LinkedItem(linked.connection_id, linked.connected_at)
