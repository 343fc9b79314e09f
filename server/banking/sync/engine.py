"""One sync of one connection: accounts and balances, then transactions page by page.

What users of aggregator-backed apps report most is duplicates and races, so:
- every write is an upsert keyed on the provider's ids (server/banking/sync/store.py): a re-run,
  a retry after a crash or a relink never adds a row twice;
- each page of changes and the cursor that follows it commit in one transaction, so a sync
  killed mid-way resumes after the last committed page, and a page is never half applied;
- TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION restarts from the last committed cursor;
- one sync per connection at a time: the job lock (server/banking/sync/requests.py).

Provider failures are counted on the connection (`errorCount`, `lastError`). A login the user
must renew makes it DISCONNECTED, a revoked grant FAILED (seed 000); neither is retried. An
outage is retried by the job queue's backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from server.banking import cache_keys
from server.banking.models import BankConnection, BankSyncLog, BankSyncState, FinancialAccount
from server.banking.sync import store
from server.plans import limits
from server.plans.resources import BANK_ACCOUNTS
from server.platform.encryption import Vault
from server.platform.jobs.app import Runtime
from server.platform.mail.delivery import request_delivery_from_worker
from server.platform.metrics.prometheus import observe_sync
from server.platform.tenancy.session import bind_organization
from server.providers.base import (
    MutationDuringPagination,
    ProviderAccount,
    ProviderError,
    TransactionPage,
)
from server.providers.errors import classify
from server.providers.registry import BankProvider, provider_for

log = logging.getLogger("fingate.banking.sync")

PAGE_SIZE = 500
# Pages committed together: fewer, larger transactions (measured: 500-row commits spend more
# time per row on statement and commit overhead than on the rows).
BATCH_ROWS = 5_000
# Pages read ahead of the writer: two batches' worth, so the provider never waits on a commit.
READ_AHEAD = 2 * BATCH_ROWS // PAGE_SIZE
# Restarts after MUTATION_DURING_PAGINATION before the job gives up (and is retried later).
MAX_RESTARTS = 5


@dataclass(slots=True)
class SyncResult:
    accounts: int = 0
    pages: int = 0
    added: int = 0
    modified: int = 0
    removed: int = 0
    skipped: bool = False
    # New accounts at the provider left out because the organization's plan has no room.
    over_plan: int = 0
    provider: str = ""  # PLAID, TELLER: the metrics' label
    failed: bool = False  # the provider refused: the connection changed status

    def as_dict(self) -> dict[str, int]:
        return {
            "accounts": self.accounts,
            "pages": self.pages,
            "added": self.added,
            "modified": self.modified,
            "removed": self.removed,
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _ConnectionGone(Exception):
    """The connection was deleted while its sync ran: the sync ends, nothing to retry."""


async def _hold(s: store.Session, connection_id: uuid.UUID) -> None:
    """Every sync transaction that writes takes the connection row first (FOR NO KEY UPDATE),
    as a delete does (FOR UPDATE): the two then wait on one row instead of each holding rows
    the other needs (accounts, transactions) and deadlocking. Raises when it is gone."""
    held = await s.scalar(
        select(BankConnection.id)
        .where(BankConnection.id == connection_id)
        .with_for_update(key_share=True)
    )
    if held is None:
        raise _ConnectionGone(str(connection_id))


async def sync(
    rt: Runtime,
    *,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    sync_type: str,
    job_id: int | None,
    provider: BankProvider | None = None,
) -> SyncResult:
    """Runs the sync; returns its counts. Raises on transient provider failures (to retry).
    Each run that reached the provider is timed and its rows counted (fingate_sync_*)."""
    result = SyncResult()
    began = time.perf_counter()
    outcome = "error"
    try:
        await _sync(rt, result, organization_id, connection_id, sync_type, job_id, provider)
        outcome = "error" if result.failed else "ok"
        return result
    finally:
        if result.provider and not result.skipped:
            rows = result.accounts + result.added + result.modified + result.removed
            observe_sync(
                "bank",
                result.provider,
                outcome=outcome,
                seconds=time.perf_counter() - began,
                rows=rows,
            )


async def _sync(
    rt: Runtime,
    result: SyncResult,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    sync_type: str,
    job_id: int | None,
    provider: BankProvider | None,
) -> SyncResult:
    started = _now()
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        # NO KEY UPDATE: a request that writes the sync state (a foreign key to this row)
        # must not wait on the sync, which waits on that request's uncommitted state row.
        conn = await s.get(BankConnection, connection_id, with_for_update={"key_share": True})
        if conn is None or conn.status != "ACTIVE":
            # Deleted or disconnected since it was queued: nothing to do, nothing to retry.
            await _finish_state(s, connection_id, "PAUSED" if conn else None)
            result.skipped = True
            return result
        provider_name, sealed = conn.provider, conn.access_token_sealed
        result.provider = provider_name
        # The same job again (a worker died under it): carry on from its committed pages.
        resuming = await _resuming(s, connection_id, job_id)
        restart = sync_type == "full" and not resuming
        cursor = "" if restart else conn.sync_cursor
        if restart:
            conn.sync_cursor = ""
        conn.last_sync_status = "IN_PROGRESS"
        if not resuming:
            await _start_state(s, organization_id, connection_id, sync_type, job_id, started)
        await s.execute(
            update(FinancialAccount)
            .where(FinancialAccount.connection_id == connection_id)
            .values(sync_status="syncing")
        )

    try:
        adapter = provider or provider_for(provider_name, rt.settings)
        token = Vault.from_settings(rt.settings).unseal(sealed)
        try:
            await _sync_accounts(rt, adapter, token, organization_id, connection_id, result)
            await _sync_transactions(
                rt, adapter, token, organization_id, connection_id, cursor, result
            )
        except ProviderError as exc:
            status = classify(exc).connection_status
            if status is not None:  # no retry can help: the user must act
                result.failed = True
                await _fail(
                    rt, organization_id, connection_id, exc, job_id, sync_type, started, status
                )
                await _invalidate(rt, organization_id, connection_id)
                log.warning(
                    "bank sync stopped: connection %s is now %s (%s)",
                    connection_id,
                    status,
                    exc.code,
                )
                return result
            await _fail(rt, organization_id, connection_id, exc, job_id, sync_type, started, None)
            await _invalidate(rt, organization_id, connection_id)
            raise
        await _succeed(rt, organization_id, connection_id, result, job_id, sync_type, started)
        await _invalidate(rt, organization_id, connection_id)
        log.info(
            "bank sync done",
            extra={"connection_id": str(connection_id), **result.as_dict()},
        )
        return result
    except _ConnectionGone:
        # Deleted under the sync (the delete took the row first): nothing left to write.
        log.info("bank sync ended: connection %s was deleted", connection_id)
        result.skipped = True
        return result


async def _invalidate(rt: Runtime, organization_id: uuid.UUID, connection_id: uuid.UUID) -> None:
    """Drops the documented cache keys the sync made stale (seed 000 "Cache Invalidation")."""
    if rt.cache is None:
        return
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        owner = await s.scalar(
            select(BankConnection.user_id).where(BankConnection.id == connection_id)
        )
        members = await cache_keys.member_ids(s, organization_id)
    await rt.cache.delete(cache_keys.after_connection_change(connection_id, owner, members))


async def _sync_accounts(
    rt: Runtime,
    adapter: BankProvider,
    token: str,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    result: SyncResult,
) -> None:
    accounts = await adapter.accounts(token)
    vault = Vault.from_settings(rt.settings)
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        await _hold(s, connection_id)
        # Teller connections hold only the accounts the user selected at connect time; a Plaid
        # item's new accounts join as far as the plan's maxBankAccounts allows. A sync cannot
        # be refused like a connect, so the rest are left out and the sync log says so.
        new_allowed: int | None = 0
        if adapter.name == "PLAID":
            new_allowed = await _room_for_new(s, organization_id, connection_id, accounts)
        written = await store.upsert_accounts(
            s,
            vault,
            organization_id=organization_id,
            connection_id=connection_id,
            accounts=accounts,
            new_allowed=new_allowed,
        )
        result.accounts = written.written
        if adapter.name == "PLAID":
            result.over_plan = written.skipped


async def _room_for_new(
    s: store.Session,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    accounts: list[ProviderAccount],
) -> int | None:
    known = await store.account_ids(s, connection_id)
    if all(a.provider_account_id in known for a in accounts):
        return None
    plan = await limits.organization_plan(s, organization_id)
    return await limits.room(
        s, organization_id=organization_id, plan_code=plan, resource=BANK_ACCOUNTS.name
    )


class _PageReader:
    """Reads a provider's pages ahead of the writer, in order, up to READ_AHEAD of them: the
    provider's answers and PostgreSQL's writes overlap instead of taking turns. A failure
    takes its page's place in the sequence, so the writer sees it after every earlier page."""

    def __init__(self, adapter: BankProvider, token: str) -> None:
        self._adapter, self._token = adapter, token
        self._queue: asyncio.Queue[TransactionPage | Exception] = asyncio.Queue(READ_AHEAD)
        self._task: asyncio.Task[None] | None = None

    def start(self, cursor: str) -> None:
        self._queue = asyncio.Queue(READ_AHEAD)
        self._task = asyncio.create_task(self._read(cursor, self._queue))

    async def _read(self, cursor: str, queue: asyncio.Queue[TransactionPage | Exception]) -> None:
        while True:
            try:
                page = await self._adapter.transactions(self._token, cursor, PAGE_SIZE)
            except Exception as exc:
                await queue.put(exc)
                return
            await queue.put(page)
            if not page.has_more:
                return
            cursor = page.next_cursor

    async def next(self) -> TransactionPage:
        item = await self._queue.get()
        if isinstance(item, Exception):
            raise item
        return item

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None


async def _sync_transactions(
    rt: Runtime,
    adapter: BankProvider,
    token: str,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    cursor: str,
    result: SyncResult,
) -> None:
    """Pages until the provider has no more. Pages are read ahead while earlier ones are
    written, and committed together up to BATCH_ROWS, each commit with the cursor that follows
    its last page."""
    complete = adapter.name == "TELLER"
    restarts = 0
    batch: list[TransactionPage] = []
    reader = _PageReader(adapter, token)
    reader.start(cursor)
    try:
        while True:
            try:
                page = await reader.next()
            except MutationDuringPagination:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise
                # The data changed under the pages being read: keep what was read (upserts
                # are idempotent) and continue from the cursor committed with it, as the
                # provider asks.
                await reader.stop()
                await _commit(rt, organization_id, connection_id, batch, complete, result)
                batch = []
                cursor = await _committed_cursor(rt, organization_id, connection_id)
                log.info("bank sync restarting from the last committed cursor (%d)", restarts)
                reader.start(cursor)
                continue
            batch.append(page)
            if not page.has_more or sum(_size(p) for p in batch) >= BATCH_ROWS:
                await _commit(rt, organization_id, connection_id, batch, complete, result)
                batch = []
            if not page.has_more:
                return
    finally:
        await reader.stop()


def _size(page: TransactionPage) -> int:
    return len(page.added) + len(page.modified) + len(page.removed)


async def _commit(
    rt: Runtime,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    pages: list[TransactionPage],
    complete_listing: bool,
    result: SyncResult,
) -> None:
    """Applies pages in one transaction together with the cursor after the last of them."""
    if not pages:
        return
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        await _hold(s, connection_id)
        applied = await store.apply_page(
            s,
            organization_id=organization_id,
            connection_id=connection_id,
            page=store.combine(pages),
            complete_listing=complete_listing,
        )
        await s.execute(
            update(BankConnection)
            .where(BankConnection.id == connection_id)
            .values(sync_cursor=pages[-1].next_cursor)
        )
        result.pages += len(pages)
        result.added += applied.added
        result.modified += applied.modified
        result.removed += applied.removed
        await s.execute(
            update(BankSyncState)
            .where(BankSyncState.connection_id == connection_id)
            .values(
                pages=BankSyncState.pages + len(pages),
                added=BankSyncState.added + applied.added,
                modified=BankSyncState.modified + applied.modified,
                removed=BankSyncState.removed + applied.removed,
                updated_at=_now(),
            )
        )


async def _committed_cursor(
    rt: Runtime, organization_id: uuid.UUID, connection_id: uuid.UUID
) -> str:
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        cursor = await s.scalar(
            select(BankConnection.sync_cursor).where(BankConnection.id == connection_id)
        )
    return cursor or ""


async def _resuming(s: store.Session, connection_id: uuid.UUID, job_id: int | None) -> bool:
    if job_id is None:
        return False
    state = await s.scalar(
        select(BankSyncState).where(BankSyncState.connection_id == connection_id)
    )
    return state is not None and state.status == "IN_PROGRESS" and state.job_id == job_id


async def _start_state(
    s: store.Session,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    sync_type: str,
    job_id: int | None,
    started: dt.datetime,
) -> None:
    existing = await s.scalar(
        select(BankSyncState).where(BankSyncState.connection_id == connection_id)
    )
    values = {
        "status": "IN_PROGRESS",
        "sync_type": sync_type,
        "job_id": job_id,
        "pages": 0,
        "added": 0,
        "modified": 0,
        "removed": 0,
        "started_at": started,
        "finished_at": None,
        "updated_at": started,
    }
    if existing is None:
        s.add(BankSyncState(organization_id=organization_id, connection_id=connection_id, **values))
    else:
        for key, value in values.items():
            setattr(existing, key, value)


async def _finish_state(s: store.Session, connection_id: uuid.UUID, status: str | None) -> None:
    if status is None:
        return
    await s.execute(
        update(BankSyncState)
        .where(BankSyncState.connection_id == connection_id)
        .values(status=status, finished_at=_now(), updated_at=_now())
    )


async def _succeed(
    rt: Runtime,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    result: SyncResult,
    job_id: int | None,
    sync_type: str,
    started: dt.datetime,
) -> None:
    finished = _now()
    mails = 0
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        await _hold(s, connection_id)
        if result.added or result.modified or result.removed:
            for hook in rt.transactions_changed:
                mails += await hook(s, organization_id, finished.date())
        await s.execute(
            update(BankConnection)
            .where(BankConnection.id == connection_id)
            .values(
                last_sync_at=finished,
                last_sync_status="SUCCESS",
                last_error=None,
                error_count=0,
            )
        )
        await s.execute(
            update(FinancialAccount)
            .where(FinancialAccount.connection_id == connection_id)
            .values(sync_status="completed", last_sync_at=finished)
        )
        await _finish_state(s, connection_id, "SUCCESS")
        s.add(
            BankSyncLog(
                organization_id=organization_id,
                connection_id=connection_id,
                sync_type=sync_type,
                status="SUCCESS",
                job_id=job_id,
                added=result.added,
                modified=result.modified,
                removed=result.removed,
                started_at=started,
                finished_at=finished,
                **_over_plan_note(result.over_plan),
            )
        )
    if mails:
        await request_delivery_from_worker()


def _over_plan_note(left_out: int) -> dict[str, str]:
    if not left_out:
        return {}
    accounts = "account" if left_out == 1 else "accounts"
    return {
        "error_code": "PLAN_LIMIT_EXCEEDED",
        "error_message": f"{left_out} new bank {accounts} at the provider not added: "
        "the organization's plan allows no more bank accounts",
    }


async def _fail(
    rt: Runtime,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    exc: ProviderError,
    job_id: int | None,
    sync_type: str,
    started: dt.datetime,
    connection_status: str | None,
) -> None:
    # The provider's message names the failure; it carries no token (adapters see to that).
    message = f"{exc.code}: {exc}"[:1000]
    async with rt.db.transaction() as s:
        await bind_organization(s, organization_id)
        await _hold(s, connection_id)
        values: dict[str, object] = {
            "last_sync_status": "FAILED",
            "last_error": message,
            "error_count": BankConnection.error_count + 1,
        }
        if connection_status:
            values["status"] = connection_status
        await s.execute(
            update(BankConnection).where(BankConnection.id == connection_id).values(**values)
        )
        await s.execute(
            update(FinancialAccount)
            .where(FinancialAccount.connection_id == connection_id)
            .values(sync_status="failed")
        )
        await _finish_state(s, connection_id, "FAILED")
        s.add(
            BankSyncLog(
                organization_id=organization_id,
                connection_id=connection_id,
                sync_type=sync_type,
                status="FAILED",
                job_id=job_id,
                error_code=exc.code,
                error_message=message,
                started_at=started,
                finished_at=_now(),
            )
        )
