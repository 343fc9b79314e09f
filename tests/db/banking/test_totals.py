"""bank_transaction_totals stays equal to the aggregate of bank_transactions whoever writes:
the sync's upserts under RLS, bulk inserts as the owner, edits, deletes and cascades."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import text

from server.banking.sync import store
from server.platform.tenancy.session import bind_organization
from server.providers.base import ProviderTransaction, TransactionPage
from tests.factories.banking import (
    Txn,
    insert_account,
    insert_connection,
    insert_org,
    insert_transactions,
)

DAY = dt.datetime(2025, 1, 21, 8, 30, tzinfo=dt.UTC)


async def _totals(db, org: uuid.UUID) -> tuple[dict, dict]:
    """(kept totals, computed totals) per account of the organization."""
    async with db.transaction() as s:
        kept = (
            await s.execute(
                text(
                    "SELECT account_id, transactions, income, expenses"
                    " FROM bank_transaction_totals WHERE organization_id = :o"
                ),
                {"o": org},
            )
        ).all()
        computed = (
            await s.execute(
                text(
                    "SELECT account_id, count(*),"
                    " coalesce(sum(amount) FILTER (WHERE amount > 0), 0),"
                    " coalesce(sum(-amount) FILTER (WHERE amount < 0), 0)"
                    " FROM bank_transactions WHERE organization_id = :o GROUP BY account_id"
                ),
                {"o": org},
            )
        ).all()
    # An account whose transactions all went keeps a row of zeros.
    return (
        {r[0]: tuple(r[1:]) for r in kept if r[1] != 0},
        {r[0]: tuple(r[1:]) for r in computed},
    )


async def assert_exact(db, org) -> dict:
    kept, computed = await _totals(db, org)
    assert kept == computed
    return kept


def txn(tid: str, account: str, amount: str) -> ProviderTransaction:
    return ProviderTransaction(tid, account, Decimal(amount), "X", DAY, False)


async def test_bulk_inserts_edits_and_deletes(db):
    user, org = await insert_org(db)
    conn = await insert_connection(db, org, user)
    a, b = await insert_account(db, org, conn), await insert_account(db, org, conn)
    ids = await insert_transactions(
        db,
        org,
        a,
        [Txn("-10.50", DAY), Txn("-4.50", DAY), Txn("100.00", DAY), Txn("0.00", DAY)],
    )
    await insert_transactions(db, org, b, [Txn("-1.00", DAY)])
    kept = await assert_exact(db, org)
    assert kept[a] == (4, Decimal("100.00"), Decimal("15.00"))
    async with db.transaction() as s:
        # A sign change, a move to another account, an edit that changes no money.
        await s.execute(
            text("UPDATE bank_transactions SET amount = 5 WHERE id = :id"), {"id": ids[0]}
        )
        await s.execute(
            text("UPDATE bank_transactions SET account_id = :b WHERE id = :id"),
            {"b": b, "id": ids[1]},
        )
        await s.execute(
            text("UPDATE bank_transactions SET user_category = 'Gifts' WHERE account_id = :a"),
            {"a": a},
        )
    kept = await assert_exact(db, org)
    assert kept[a] == (3, Decimal("105.00"), Decimal("0"))
    assert kept[b] == (2, Decimal("0"), Decimal("5.50"))
    async with db.transaction() as s:
        await s.execute(text("DELETE FROM bank_transactions WHERE id = :id"), {"id": ids[2]})
    await assert_exact(db, org)
    # Deleting the connection cascades to accounts, transactions and their totals.
    async with db.transaction() as s:
        await s.execute(text("DELETE FROM bank_connections WHERE id = :c"), {"c": conn})
    assert await _totals(db, org) == ({}, {})


async def test_sync_upserts_under_rls(db, app_db):
    user, org = await insert_org(db)
    conn = await insert_connection(db, org, user)
    acc = await insert_account(db, org, conn)
    async with db.transaction() as s:
        pid = await s.scalar(
            text("SELECT provider_account_id FROM financial_accounts WHERE id = :id"),
            {"id": acc},
        )

    async def apply(page: TransactionPage) -> None:
        async with app_db.transaction() as s:
            await bind_organization(s, org)
            await store.apply_page(
                s, organization_id=org, connection_id=conn, page=page, complete_listing=False
            )

    page = TransactionPage(added=[txn("t1", pid, "-20.00"), txn("t2", pid, "300.00")])
    await apply(page)
    await apply(page)  # the same page again: updates, not new rows
    assert (await assert_exact(db, org))[acc] == (2, Decimal("300.00"), Decimal("20.00"))
    await apply(TransactionPage(modified=[txn("t1", pid, "-25.00")], removed=["t2"]))
    assert (await assert_exact(db, org))[acc] == (1, Decimal("0"), Decimal("25.00"))


async def test_deleting_a_connection_as_the_server_role(db, app_db):
    user, org = await insert_org(db)
    conn = await insert_connection(db, org, user)
    acc = await insert_account(db, org, conn)
    await insert_transactions(db, org, acc, [Txn("-3.00", DAY), Txn("7.00", DAY)])
    assert (await assert_exact(db, org))[acc] == (2, Decimal("7.00"), Decimal("3.00"))
    async with app_db.transaction() as s:
        await bind_organization(s, org)
        await s.execute(text("DELETE FROM bank_transactions WHERE amount < 0"))
    assert (await assert_exact(db, org))[acc] == (1, Decimal("7.00"), Decimal("0"))
    async with app_db.transaction() as s:
        await bind_organization(s, org)
        await s.execute(text("DELETE FROM bank_connections WHERE id = :c"), {"c": conn})
    assert await _totals(db, org) == ({}, {})
