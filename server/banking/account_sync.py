"""Syncing a connection's accounts from its provider, now (the account operations' sync).

It fetches the accounts and upserts them by provider_account_id. It refuses a connection that
is not ACTIVE, and one that synced less than SYNC_INTERVAL ago unless forced (429 with
Retry-After). The provider is called outside any transaction; the upsert, the connection's
last_sync_at and the audit row are one transaction. The transactions are the sync engine's
(server/banking/sync/), on the job queue.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.banking import account_store as store
from server.banking import cache_keys as keys
from server.banking.account_columns import provider_columns
from server.banking.connections import repository as connections
from server.banking.models import FinancialAccount
from server.plans import limits
from server.plans.resources import BANK_ACCOUNTS
from server.platform.audit.trail import record
from server.platform.cache.store import Cache
from server.platform.context import tenant
from server.platform.db.database import Database
from server.platform.encryption import UnreadableSecret, Vault
from server.platform.errors import ConnectionNotActive, NotFound, ProviderFailure, RateLimited
from server.platform.ratelimit.deferred import charge
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.base import ACCOUNT_SUBTYPES, ACCOUNT_TYPES, ProviderAccount
from server.providers.errors import FAILURES, Kind, classify, translate
from server.providers.registry import BankProvider

SYNC_INTERVAL = dt.timedelta(minutes=15)
CONNECTION_NOT_FOUND = "Connection not found"


@dataclass(frozen=True, slots=True)
class SyncCounts:
    created: int
    updated: int
    unchanged: int
    errors: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _storable(a: ProviderAccount) -> bool:
    """What the schema accepts; anything else is counted as an error, not stored."""
    return (
        bool(a.provider_account_id)
        and len(a.provider_account_id) <= 128
        and a.type in ACCOUNT_TYPES
        and a.subtype in ACCOUNT_SUBTYPES
        and len(a.currency) == 3
        and (a.mask is None or len(a.mask) <= 4)
    )


class AccountSync:
    def __init__(
        self,
        db: Database,
        cache: Cache,
        vault: Vault,
        providers: Callable[[str], BankProvider],
    ):
        self.db = db
        self.cache = cache
        self.vault = vault
        self.providers = providers

    async def run(self, cid: uuid.UUID, *, force: bool) -> SyncCounts:
        """Syncs one of the organization's connections; NotFound for an unknown one."""
        org_id = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            conn = await connections.get(s, org_id, cid)
            if conn is None:
                raise NotFound(CONNECTION_NOT_FOUND)
            provider, status, sealed = conn.provider, conn.status, conn.access_token_sealed
            last_sync_at = conn.last_sync_at
        # PROVIDER_SYNC is counted per user and provider, so only now.
        await charge(provider)
        if status != "ACTIVE":
            raise ConnectionNotActive(
                f"Connection is {status.lower()}; only ACTIVE connections can be synced"
            )
        now = _now()
        if not force and last_sync_at is not None and now - last_sync_at < SYNC_INTERVAL:
            ready_at = last_sync_at + SYNC_INTERVAL
            raise RateLimited(
                retry_after=max(1, math.ceil((ready_at - now).total_seconds())),
                limit_reset=math.ceil(ready_at.timestamp()),
                message="Accounts were synced less than 15 minutes ago; "
                "try again later or set force to true",
            )
        fetched = await self._fetch(org_id, cid, provider, sealed)
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = await connections.get(s, org_id, cid, lock=True)
            if conn is None:
                raise NotFound(CONNECTION_NOT_FOUND)  # deleted while the provider answered
            result = await self._upsert(s, org_id, cid, fetched, now)
            await connections.mark_synced(s, cid, now)
            work.audit(
                target_id=cid,
                changes={
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "errors": result.errors,
                    "force": force,
                },
            )
            members = await keys.member_ids(s, org_id)
            work.invalidate(self.cache, keys.after_connection_change(cid, conn.user_id, members))
        return result

    async def _fetch(
        self, org_id: uuid.UUID, cid: uuid.UUID, provider: str, sealed: str
    ) -> list[ProviderAccount]:
        try:
            adapter = self.providers(provider)
            token = self.vault.unseal(sealed)
            return await adapter.accounts(token)
        except FAILURES as exc:
            found = classify(exc)
            status = found.connection_status
            if status is None:
                # A stored token refused without a word on its grant is nothing the caller
                # can fix: the provider failed it, like an outage.
                raise translate(exc, field="connection_id", refused=ProviderFailure()) from None
            # The call fails, but what the provider said about the connection is a change of
            # its own, audited as such (the call's declared entry is for a sync that happened).
            async with UnitOfWork(self.db) as work:
                s = work.session
                await connections.record_refusal(s, cid, status, _REASONS[found])
                await record(
                    s,
                    action=f"bank_connection.{status.lower()}",
                    target_type="bank_connection",
                    target_id=cid,
                    organization_id=org_id,
                    changes={"reason": getattr(exc, "code", type(exc).__name__)},
                )
                members = await keys.member_ids(s, org_id)
                work.invalidate(self.cache, keys.after_connection_change(cid, None, members))
            raise ConnectionNotActive(_NOW_INACTIVE[status]) from None

    async def _upsert(
        self,
        s: AsyncSession,
        org_id: uuid.UUID,
        cid: uuid.UUID,
        fetched: list[ProviderAccount],
        now: dt.datetime,
    ) -> SyncCounts:
        known = await store.known_accounts(s, cid)
        created = updated = unchanged = errors = 0
        # New accounts count against the plan's maxBankAccounts; one that does not fit is
        # counted in `errors` (seed 003 has no other place for it) and the rest still sync.
        room: int | None = None
        if any(a.provider_account_id not in known for a in fetched):
            plan = await limits.organization_plan(s, org_id)
            room = await limits.room(
                s, organization_id=org_id, plan_code=plan, resource=BANK_ACCOUNTS.name
            )
        seen: set[str] = set()
        for a in fetched:
            if not _storable(a) or a.provider_account_id in seen:
                errors += 1
                continue
            seen.add(a.provider_account_id)
            values = provider_columns(a)
            current = known.get(a.provider_account_id)
            if current is None and room is not None and room <= 0:
                errors += 1
                continue
            if current is None:
                if room is not None:
                    room -= 1
                await store.add_account(
                    s,
                    organization_id=org_id,
                    connection_id=cid,
                    provider_account_id=a.provider_account_id,
                    account_number_sealed=(
                        self.vault.seal(a.account_number) if a.account_number else None
                    ),
                    sync_status="completed",
                    last_sync_at=now,
                    **values,
                )
                created += 1
                continue
            changed = {k: v for k, v in values.items() if getattr(current, k) != v}
            if a.account_number and not self._same_number(current, a.account_number):
                changed["account_number_sealed"] = self.vault.seal(a.account_number)
            extra: dict[str, object] = {"last_sync_at": now, "sync_status": "completed"}
            if changed:
                await store.change_account(s, current.id, **changed, **extra, updated_at=now)
                updated += 1
            else:
                await store.change_account(s, current.id, **extra)
                unchanged += 1
        return SyncCounts(created, updated, unchanged, errors)

    def _same_number(self, current: FinancialAccount, number: str) -> bool:
        if current.account_number_sealed is None:
            return False
        try:
            return self.vault.unseal(current.account_number_sealed) == number
        except UnreadableSecret:
            return False


# What a connection records as its last error when a sync finds it refused (by Kind), and
# what the caller is told it became (by its new status).
_REASONS = {
    Kind.LOGIN_REQUIRED: "The institution requires the user to sign in again",
    Kind.REVOKED: "The provider no longer grants access to this connection",
    Kind.TOKEN_UNREADABLE: "The stored access token cannot be read",
}
_NOW_INACTIVE = {
    "DISCONNECTED": "The provider requires the user to sign in again; the connection is now "
    "disconnected",
    "FAILED": "The provider no longer grants access; the connection is now failed and must "
    "be linked again",
}
