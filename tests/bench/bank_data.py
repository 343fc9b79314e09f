"""The bank data the banking rows read: one organization, 10 accounts, 1,000,000 transactions.

Rows are generated from their index (same data every run) and written with COPY as the schema
owner; generating and copying a million takes about half a minute here. `bare_copy_rate`
measures the other side of the ingest comparison: COPY of the same rows into a table shaped
and indexed like bank_transactions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from time import perf_counter
from typing import Any

import asyncpg

from server.platform.common.ids import new_id
from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault

ACCOUNTS = 10
TRANSACTIONS = 1_000_000
CHUNK = 50_000
# (category, subcategory, merchant, merchant category, typical amount): spending and income.
SHAPES = [
    ("Food & Dining", "Coffee Shops", "Starbucks", "Coffee Shops", "-5.75"),
    ("Food & Dining", "Restaurants", "Chipotle", "Restaurants", "-14.20"),
    ("Groceries", "Supermarkets", "Whole Foods", "Supermarkets", "-86.40"),
    ("Shopping", "Online", "Amazon", "Online Marketplaces", "-42.99"),
    ("Transportation", "Rideshare", "Uber", "Taxi and Rideshare", "-23.10"),
    ("Transportation", "Gas", "Shell", "Gas Stations", "-48.00"),
    ("Bills & Utilities", "Internet", "Comcast", "Cable and Internet", "-79.99"),
    ("Entertainment", "Streaming", "Netflix", "Streaming Services", "-15.49"),
    ("Travel", "Airlines", "Delta", "Airlines", "-320.00"),
    ("Health", "Pharmacy", "CVS", "Pharmacies", "-18.65"),
    ("Income", "Salary", "EMPLOYER INC", "Payroll", "2500.00"),
    ("Transfer", "Savings", "Transfer", "Transfers", "-200.00"),
]
# Three years of history ending at the run's day, newest last.
SPAN_DAYS = 3 * 365
# The filtered list rows: one category, an amount band and a 90-day window.
FILTER_CATEGORY = "Food & Dining"
FILTER_MIN, FILTER_MAX = -20, -1


@dataclass(frozen=True)
class Seeded:
    organization_id: uuid.UUID
    connection_id: uuid.UUID
    account_ids: list[uuid.UUID]
    transactions: int


def asyncpg_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _rows(
    organization_id: uuid.UUID, accounts: list[uuid.UUID], start: int, stop: int, end: dt.datetime
) -> Iterator[tuple[Any, ...]]:
    for i in range(start, stop):
        category, sub, merchant, merchant_category, base = SHAPES[(i * 7) % len(SHAPES)]
        # Spread amounts ±50% around the shape's typical value, the same for the same index.
        amount = (Decimal(base) * Decimal(50 + (i * 37) % 101) / 100).quantize(Decimal("0.01"))
        when = end - dt.timedelta(seconds=(i * 9973) % (SPAN_DAYS * 86400))
        yield (
            new_id(),
            organization_id,
            accounts[i % len(accounts)],
            f"bench-{i}",
            amount,
            f"{merchant.upper()} #{i % 997}",
            merchant,
            merchant_category,
            category,
            sub,
            when,
            when,
            i % 50 == 0,
            "USD",
        )


COLUMNS = (
    "id",
    "organization_id",
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


async def seed(
    database_url: str, organization_id: uuid.UUID, user_id: uuid.UUID, *, n: int = TRANSACTIONS
) -> Seeded:
    """A Plaid-like connection with ACCOUNTS accounts and n transactions, as the owner."""
    vault = Vault((DEV_ENCRYPTION_KEY,))
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        connection_id = new_id()
        accounts = [new_id() for _ in range(ACCOUNTS)]
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO bank_connections (id, organization_id, user_id, provider,"
                " provider_item_id, institution_id, institution_name, access_token_sealed)"
                " VALUES ($1, $2, $3, 'PLAID', $4, 'ins_bench', 'Bench Bank', $5)",
                connection_id,
                organization_id,
                user_id,
                f"item-bench-{connection_id.hex[:8]}",
                vault.seal("access-bench"),
            )
            await conn.executemany(
                "INSERT INTO financial_accounts (id, organization_id, connection_id,"
                " provider_account_id, name, type, subtype, balance, last_four)"
                " VALUES ($1, $2, $3, $4, $5, 'CHECKING', 'checking', 1000, $6)",
                [
                    (a, organization_id, connection_id, f"acc-{k}", f"Account {k}", f"{k:04d}")
                    for k, a in enumerate(accounts)
                ],
            )
        end = dt.datetime.now(dt.UTC).replace(microsecond=0)
        for start in range(0, n, CHUNK):
            stop = min(start + CHUNK, n)
            await conn.copy_records_to_table(
                "bank_transactions",
                records=_rows(organization_id, accounts, start, stop, end),
                columns=COLUMNS,
            )
        # Visibility map and statistics, as autovacuum would leave them: page N is an
        # index-only scan only on an all-visible table.
        await conn.execute("VACUUM ANALYZE bank_transactions")
        return Seeded(organization_id, connection_id, accounts, n)
    finally:
        await conn.close()


async def bare_copy_rate(database_url: str, n: int, *, logged: bool) -> float:
    """Rows per second of COPY alone into a copy of bank_transactions (indexes included):
    a logged table, written ahead like bank_transactions, or a temporary one (no WAL)."""
    kind = "" if logged else "TEMP"
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(
            f"CREATE {kind} TABLE bench_copy (LIKE bank_transactions INCLUDING DEFAULTS"
            " INCLUDING INDEXES)"
        )
        end = dt.datetime.now(dt.UTC)
        records = list(_rows(uuid.uuid4(), [uuid.uuid4() for _ in range(ACCOUNTS)], 0, n, end))
        t0 = perf_counter()
        await conn.copy_records_to_table("bench_copy", records=records, columns=COLUMNS)
        elapsed = perf_counter() - t0
        await conn.execute("DROP TABLE bench_copy")
        return n / elapsed
    finally:
        await conn.close()
