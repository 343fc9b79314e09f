"""Turning a provider's grant into stored rows: one connection, its accounts, the first sync.

Shared by Mappr's Teller connect (POST /banking/connect, the accounts the user selected) and
the PLAID integration connect (POST /integrations/PLAID/connect, every account of the item).
Provider calls happen before, outside the transaction; here only rows are written, in the
caller's tenant transaction, so a refusal (plan limit) leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking import cache_keys as keys
from server.banking import repository as repo
from server.banking.sync.requests import request_sync
from server.plans import limits
from server.plans.resources import BANK_ACCOUNTS
from server.platform.cache.store import Cache
from server.platform.common.ids import new_id
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import (
    SyncInProgress,
)
from server.platform.jobs.app import JobQueue
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.base import (
    Link,
    ProviderAccount,
)


class TellerAdapter(Protocol):
    async def accounts(self, access_token: str) -> list[ProviderAccount]: ...

    async def link_from_enrollment(
        self, access_token: str, enrollment_id: str, institution_id: str, institution_name: str
    ) -> Link: ...


class PlaidAdapter(Protocol):
    async def accounts(self, access_token: str) -> list[ProviderAccount]: ...

    async def exchange(self, public_token: str) -> Link: ...


# The adapter of a provider by name ("PLAID", "TELLER"): server.providers.registry.provider_for
# bound to the settings.
Providers = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Linked:
    connection_id: uuid.UUID
    connected_at: dt.datetime
    created: bool
    accounts: Sequence[Row[Any]]


async def store_link(
    work: UnitOfWork,
    cache: Cache,
    vault: Vault,
    *,
    organization_id: uuid.UUID,
    plan: str,
    user_id: uuid.UUID,
    provider: str,
    link: Link,
    accounts: list[ProviderAccount],
) -> Linked:
    """The link's connection (reused while ACTIVE) with `accounts` added or refreshed; each
    added account passes the plan's bank-account limit; the cached reads the link makes stale
    go once it commits. The caller then queues the first sync with `first_sync` (a job
    deferred before the rows are committed could run before they are visible, and skip the
    connection as gone)."""
    s = work.session
    connection_id, connected_at, created = await repo.upsert_connection(
        s,
        organization_id=organization_id,
        user_id=user_id,
        provider=provider,
        link=link,
        access_token_sealed=vault.seal(link.access_token),
        connection_id=new_id(),
    )
    known = await repo.existing_provider_accounts(s, connection_id)
    for account in accounts:
        if account.provider_account_id not in known:
            await limits.ensure_within_limit(
                s, organization_id=organization_id, plan_code=plan, resource=BANK_ACCOUNTS.name
            )
        await repo.upsert_account(
            s,
            organization_id=organization_id,
            connection_id=connection_id,
            account=account,
            account_number_sealed=(
                vault.seal(account.account_number) if account.account_number else None
            ),
            account_id=new_id(),
        )
    work.audit(
        target_id=connection_id,
        changes={
            "provider": provider,
            "created": created,
            "accounts": [a.provider_account_id for a in accounts],
        },
    )
    linked = await repo.linked_accounts(s, connection_id, [a.provider_account_id for a in accounts])
    members = await keys.member_ids(s, organization_id)
    work.invalidate(cache, keys.after_connection_change(connection_id, user_id, members))
    return Linked(connection_id, connected_at, created, linked)


async def first_sync(
    s: AsyncSession, jobs: JobQueue, *, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> None:
    """Queues the full sync of a freshly stored link, in a transaction after store_link's."""
    try:
        await request_sync(
            s, jobs, organization_id=organization_id, connection_id=connection_id, sync_type="full"
        )
    except SyncInProgress:
        # A relink while the connection syncs: a queued sync will see the new accounts, a
        # running one may not, and the next (automatic or asked) sync will. A second job
        # cannot be queued meanwhile, and the link itself must not fail for it.
        pass


async def link_and_sync(
    db: Database,
    jobs: JobQueue,
    cache: Cache,
    vault: Vault,
    *,
    provider: str,
    link: Link,
    accounts: list[ProviderAccount],
) -> Linked:
    """Stores a link for the call's organization and user, drops the cache keys it made
    stale, then queues its first full sync (after the commit, so the job finds the link)."""
    t = tenant()
    async with UnitOfWork(db) as work:
        linked = await store_link(
            work,
            cache,
            vault,
            organization_id=t.organization_id,
            plan=t.plan,
            user_id=principal().user_id,
            provider=provider,
            link=link,
            accounts=accounts,
        )
    async with tenant_transaction(db) as s:
        await first_sync(
            s, jobs, organization_id=t.organization_id, connection_id=linked.connection_id
        )
    return linked
