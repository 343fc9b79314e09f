"""Writing provider data into the bank tables: idempotent, keyed on the provider's ids.

A page of transactions goes in with COPY into a transaction-local staging table and one
`INSERT … ON CONFLICT` (an order of magnitude faster than row-by-row upserts), so re-reading
a page after a crash or a relink updates rows instead of adding them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.account_columns import provider_columns
from server.banking.models import FinancialAccount
from server.platform.common.ids import new_ids
from server.platform.db.copy import copy_records
from server.platform.encryption import Vault
from server.providers.base import ProviderAccount, ProviderTransaction, TransactionPage

Session = AsyncSession

_STAGE_COLUMNS = (
    "id",
    "account_id",
    "provider_transaction_id",
    "amount",
    "description",
    "merchant_name",
    "merchant_category",
    "category",
    "subcategory",
    "date",
    "timestamp",
    "pending",
    "currency_code",
)
# Per database connection, emptied at every commit: a pooled connection never carries one
# page's rows into the next, and no page pays for creating and dropping a table.
_CREATE_STAGE = text(
    """
    CREATE TEMP TABLE IF NOT EXISTS bank_transactions_stage (
        id uuid, account_id uuid, provider_transaction_id varchar(128), amount numeric(18, 2),
        description text, merchant_name varchar(200), merchant_category varchar(100),
        category varchar(100), subcategory varchar(100), date timestamptz,
        timestamp timestamptz, pending boolean, currency_code varchar(3)
    ) ON COMMIT DELETE ROWS
    """
)
_UPDATABLE = _STAGE_COLUMNS[3:]
# User edits (user_category, notes) are not provider data: an update never touches them.
_MERGE_STAGE = text(
    f"""
    INSERT INTO bank_transactions (organization_id, {", ".join(_STAGE_COLUMNS)})
    SELECT CAST(:organization_id AS uuid), {", ".join(_STAGE_COLUMNS)}
    FROM bank_transactions_stage
    ON CONFLICT (account_id, provider_transaction_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATABLE)}, updated_at = now()
    WHERE ({", ".join(f"bank_transactions.{c}" for c in _UPDATABLE)})
          IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _UPDATABLE)})
    """
)
# A posted transaction takes over what the user set on the pending one it replaces.
_CARRY_EDITS = text(
    """
    UPDATE bank_transactions AS posted
    SET user_category = COALESCE(posted.user_category, pending.user_category),
        notes = COALESCE(posted.notes, pending.notes)
    FROM unnest(CAST(:posted AS text[]), CAST(:pending AS text[])) AS pair(posted_id, pending_id)
    JOIN bank_transactions AS pending
      ON pending.provider_transaction_id = pair.pending_id
     AND pending.account_id = ANY(CAST(:accounts AS uuid[]))
    WHERE posted.provider_transaction_id = pair.posted_id
      AND posted.account_id = pending.account_id
      AND (pending.user_category IS NOT NULL OR pending.notes IS NOT NULL)
    """
)
_DELETE = text(
    """
    DELETE FROM bank_transactions
    WHERE account_id = ANY(CAST(:accounts AS uuid[]))
      AND provider_transaction_id = ANY(CAST(:ids AS text[]))
    """
)
# A complete listing (Teller) drops pending transactions that are gone from it.
_DELETE_VANISHED_PENDING = text(
    """
    DELETE FROM bank_transactions
    WHERE account_id = ANY(CAST(:accounts AS uuid[])) AND pending
      AND provider_transaction_id <> ALL(CAST(:ids AS text[]))
    """
)


@dataclass(frozen=True, slots=True)
class AccountsWritten:
    written: int
    skipped: int  # new at the provider, not added (the plan's limit, or not selected)


@dataclass(frozen=True, slots=True)
class Applied:
    added: int
    modified: int
    removed: int


async def account_ids(s: Session, connection_id: uuid.UUID) -> dict[str, uuid.UUID]:
    rows = await s.execute(
        select(FinancialAccount.provider_account_id, FinancialAccount.id).where(
            FinancialAccount.connection_id == connection_id
        )
    )
    return {provider_id: account_id for provider_id, account_id in rows.all()}


async def upsert_accounts(
    s: Session,
    vault: Vault,
    *,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    accounts: list[ProviderAccount],
    new_allowed: int | None,
) -> AccountsWritten:
    """Balances and details of the connection's accounts, and at most `new_allowed` accounts
    it does not hold yet (None: all of them)."""
    known = await account_ids(s, connection_id)
    now = dt.datetime.now(dt.UTC)
    written = skipped = 0
    for acc in accounts:
        values: dict[str, Any] = {**provider_columns(acc), "updated_at": now}
        if acc.account_number:
            values["account_number_sealed"] = vault.seal(acc.account_number)
        if acc.provider_account_id in known:
            await s.execute(
                update(FinancialAccount)
                .where(FinancialAccount.id == known[acc.provider_account_id])
                .values(**values)
            )
            written += 1
        elif new_allowed is not None and new_allowed <= 0:
            skipped += 1
        else:
            if new_allowed is not None:
                new_allowed -= 1
            await s.execute(
                insert(FinancialAccount)
                .values(
                    organization_id=organization_id,
                    connection_id=connection_id,
                    provider_account_id=acc.provider_account_id,
                    **values,
                )
                .on_conflict_do_nothing(
                    index_elements=[
                        FinancialAccount.connection_id,
                        FinancialAccount.provider_account_id,
                    ]
                )
            )
            written += 1
    return AccountsWritten(written, skipped)


def _record(row_id: uuid.UUID, account_id: uuid.UUID, t: ProviderTransaction) -> tuple[Any, ...]:
    return (
        row_id,
        account_id,
        t.provider_transaction_id,
        t.amount,
        t.description,
        t.merchant_name,
        t.merchant_category,
        t.category,
        t.subcategory,
        t.date,
        t.timestamp,
        t.pending,
        t.currency,
    )


def combine(pages: list[TransactionPage]) -> TransactionPage:
    """Consecutive pages as one: the last word on each transaction wins (a transaction added
    on one page and removed on a later one is removed; removed then added again is kept)."""
    if len(pages) == 1:
        return pages[0]
    changes: dict[str, tuple[bool, ProviderTransaction]] = {}
    removed: dict[str, None] = {}
    for page in pages:
        for is_new, items in ((True, page.added), (False, page.modified)):
            for t in items:
                earlier = changes.get(t.provider_transaction_id)
                # Added then modified within the batch is still new to us.
                changes[t.provider_transaction_id] = (is_new or bool(earlier and earlier[0]), t)
                removed.pop(t.provider_transaction_id, None)
        for tid in page.removed:
            changes.pop(tid, None)
            removed[tid] = None
    return TransactionPage(
        added=[t for new, t in changes.values() if new],
        modified=[t for new, t in changes.values() if not new],
        removed=list(removed),
        next_cursor=pages[-1].next_cursor,
        has_more=pages[-1].has_more,
    )


async def apply_page(
    s: Session,
    *,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    page: TransactionPage,
    complete_listing: bool,
) -> Applied:
    """Applies one page of changes in the caller's transaction."""
    accounts = await account_ids(s, connection_id)
    changed = [*page.added, *page.modified]
    # Transactions of accounts the connection does not hold (not selected) are not stored;
    # one row per provider id (the last word wins): one INSERT may not update a row twice.
    latest = {t.provider_transaction_id: t for t in changed}
    stored = [
        t
        for t in latest.values()
        if t.provider_transaction_id and t.provider_account_id in accounts
    ]
    # Ids for rows that turn out to exist already are simply not used (ON CONFLICT).
    records = [
        _record(row_id, accounts[t.provider_account_id], t)
        for row_id, t in zip(new_ids(len(stored)), stored, strict=True)
    ]
    account_list = list(accounts.values())
    if records:
        await s.execute(_CREATE_STAGE)
        await copy_records(s, "bank_transactions_stage", records, _STAGE_COLUMNS)
        await s.execute(_MERGE_STAGE, {"organization_id": organization_id})
    replaced = [
        (t.provider_transaction_id, t.pending_transaction_id)
        for t in changed
        if t.pending_transaction_id and not t.pending
    ]
    if replaced:
        posted, pending = zip(*replaced, strict=True)
        await s.execute(
            _CARRY_EDITS,
            {"posted": list(posted), "pending": list(pending), "accounts": account_list},
        )
    gone = set(page.removed) | {pending_id for _, pending_id in replaced}
    gone -= {t.provider_transaction_id for t in changed}
    removed = 0
    if gone:
        result = await s.execute(_DELETE, {"accounts": account_list, "ids": sorted(gone)})
        removed += _rowcount(result)
    if complete_listing:
        listed = [t.provider_transaction_id for t in changed]
        result = await s.execute(
            _DELETE_VANISHED_PENDING, {"accounts": account_list, "ids": listed}
        )
        removed += _rowcount(result)
    kept = {t.provider_transaction_id for t in page.added if t.provider_account_id in accounts}
    return Applied(
        added=len(kept),
        modified=sum(1 for t in page.modified if t.provider_account_id in accounts),
        removed=removed,
    )


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
