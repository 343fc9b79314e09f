"""Applying provider pages to the bank tables: idempotent, pending replaced by posted with the
user's edits kept, removals applied, under the server's role and RLS."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import text

from server.banking.sync import store
from server.platform.tenancy.session import bind_organization
from server.providers.base import ProviderTransaction, TransactionPage
from tests.factories.banking import insert_account, insert_connection, insert_org

DAY = dt.datetime(2025, 1, 21, 8, 30, tzinfo=dt.UTC)


def txn(tid: str, account: str, amount: str = "-45.67", **kw) -> ProviderTransaction:
    fields = {"description": "STARBUCKS COFFEE", "date": DAY, "pending": False, **kw}
    return ProviderTransaction(tid, account, Decimal(amount), **fields)


async def _setup(db):
    user, org = await insert_org(db)
    conn = await insert_connection(db, org, user)
    acc = await insert_account(db, org, conn)
    async with db.transaction() as s:
        provider_id = (
            await s.execute(
                text("SELECT provider_account_id FROM financial_accounts WHERE id = :id"),
                {"id": acc},
            )
        ).scalar_one()
    return org, conn, acc, provider_id


async def _apply(app_db, org, conn, page, *, complete=False):
    async with app_db.transaction() as s:
        await bind_organization(s, org)
        return await store.apply_page(
            s, organization_id=org, connection_id=conn, page=page, complete_listing=complete
        )


async def _rows(db, acc: uuid.UUID):
    async with db.transaction() as s:
        rows = await s.execute(
            text(
                "SELECT provider_transaction_id, amount, pending, user_category, notes"
                " FROM bank_transactions WHERE account_id = :a ORDER BY provider_transaction_id"
            ),
            {"a": acc},
        )
        return [tuple(r) for r in rows]


async def test_the_same_page_twice_adds_each_transaction_once(db, app_db):
    org, conn, acc, pid = await _setup(db)
    page = TransactionPage(added=[txn("t1", pid), txn("t2", pid, "1500.00")], next_cursor="c1")
    first = await _apply(app_db, org, conn, page)
    again = await _apply(app_db, org, conn, page)
    assert (first.added, again.added) == (2, 2)
    assert [r[0] for r in await _rows(db, acc)] == ["t1", "t2"]


async def test_modified_updates_and_removed_deletes(db, app_db):
    org, conn, acc, pid = await _setup(db)
    await _apply(app_db, org, conn, TransactionPage(added=[txn("t1", pid), txn("t2", pid)]))
    page = TransactionPage(modified=[txn("t1", pid, "-50.00")], removed=["t2"])
    applied = await _apply(app_db, org, conn, page)
    assert (applied.modified, applied.removed) == (1, 1)
    assert await _rows(db, acc) == [("t1", Decimal("-50.00"), False, None, None)]


async def test_a_posted_transaction_replaces_its_pending_one_keeping_user_edits(db, app_db):
    org, conn, acc, pid = await _setup(db)
    await _apply(app_db, org, conn, TransactionPage(added=[txn("p1", pid, pending=True)]))
    async with db.transaction() as s:
        await s.execute(
            text(
                "UPDATE bank_transactions SET user_category = 'Treats', notes = 'with Sam'"
                " WHERE account_id = :a AND provider_transaction_id = 'p1'"
            ),
            {"a": acc},
        )
    posted = txn("t9", pid, "-46.10", pending_transaction_id="p1")
    applied = await _apply(app_db, org, conn, TransactionPage(added=[posted], removed=["p1"]))
    assert applied.removed == 1
    assert await _rows(db, acc) == [("t9", Decimal("-46.10"), False, "Treats", "with Sam")]


async def test_a_provider_update_never_overwrites_user_edits(db, app_db):
    org, conn, acc, pid = await _setup(db)
    await _apply(app_db, org, conn, TransactionPage(added=[txn("t1", pid)]))
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE bank_transactions SET user_category = 'Treats' WHERE account_id = :a"),
            {"a": acc},
        )
    await _apply(app_db, org, conn, TransactionPage(modified=[txn("t1", pid, category="Food")]))
    assert (await _rows(db, acc))[0][3] == "Treats"


async def test_a_complete_listing_drops_pending_transactions_that_vanished(db, app_db):
    org, conn, acc, pid = await _setup(db)
    first = [txn("t1", pid), txn("p1", pid, pending=True), txn("p2", pid, pending=True)]
    await _apply(app_db, org, conn, TransactionPage(added=first), complete=True)
    later = [txn("t1", pid), txn("p2", pid, pending=True)]
    applied = await _apply(app_db, org, conn, TransactionPage(added=later), complete=True)
    assert applied.removed == 1
    assert [r[0] for r in await _rows(db, acc)] == ["p2", "t1"]


async def test_transactions_of_accounts_the_connection_does_not_hold_are_skipped(db, app_db):
    org, conn, acc, pid = await _setup(db)
    page = TransactionPage(added=[txn("t1", pid), txn("x1", "not-selected-account")])
    applied = await _apply(app_db, org, conn, page)
    assert applied.added == 1
    assert [r[0] for r in await _rows(db, acc)] == ["t1"]


async def test_another_organization_cannot_write_into_a_connection_it_does_not_own(db, app_db):
    org, conn, acc, pid = await _setup(db)
    _, other = await insert_org(db)
    # Bound to another organization, RLS hides the connection's accounts: nothing is written.
    applied = await _apply(app_db, other, conn, TransactionPage(added=[txn("t1", pid)]))
    assert applied.added == 0
    assert await _rows(db, acc) == []
