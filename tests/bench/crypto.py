"""The crypto rows of `make bench` (issue 12): the portfolio of an organization with 20 wallets
and 2,000 positions beside GET /health, and a wallet's transaction sync (through the sandbox,
then from pages already read) beside a bare COPY of the same rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from time import perf_counter
from typing import Any

import asyncpg
import httpx

from server.crypto import sync
from server.dev.devstack.postgres import as_role
from server.dev.devstack.stack import Stack
from server.platform.db.database import Database
from server.platform.db.rls import APP_ROLE
from server.providers.zerion import ZerionClient
from tests.bench import bank_data
from tests.bench.cpu import CpuMeter
from tests.bench.runners import Unexpected, run_sequential
from tests.bench.scenarios import Plan, Target
from tests.bench.stats import Result
from tests.factories.sandbox import Knobs, settings_for

WALLETS = 20
POSITIONS_PER_WALLET = 100
PORTFOLIO = Plan(n=300, warmup=20, max_s=20)
SYNC_TRANSACTIONS = 20_000
COLUMNS = (
    "id organization_id wallet_id chain hash log_index type sent_symbol sent_name sent_amount"
    " received_symbol received_name received_amount occurred_at block_number gas_used"
    " fee_amount fee_usd status"
).split()


@dataclass
class CryptoReport:
    portfolio: Result
    health_p50_ms: float
    sync_rows_s: float = 0.0
    replay_rows_s: float = 0.0
    copy_rows_s: float = 0.0


async def _seed(database_url: str, organization_id: uuid.UUID) -> None:
    """WALLETS wallets of POSITIONS_PER_WALLET positions each, as a sync leaves them."""
    conn = await asyncpg.connect(bank_data.asyncpg_dsn(database_url))
    try:
        wallets, positions = [], []
        now = dt.datetime.now(dt.UTC)
        for w in range(WALLETS):
            wid = uuid.uuid4()
            total = Decimal(0)
            for p in range(POSITIONS_PER_WALLET):
                value = Decimal(1000 + 37 * p + w).quantize(Decimal("0.01"))
                total += value
                positions.append(
                    (
                        uuid.uuid4(),
                        organization_id,
                        wid,
                        f"T{p}",
                        f"Token {p}",
                        None if p == 0 else f"0x{p:040x}",
                        "stablecoin" if p == 1 else "other",
                        Decimal(p + 1),
                        value / (p + 1),
                        value,
                        Decimal("1.5"),
                        now,
                    )
                )
            wallets.append(
                (
                    wid,
                    organization_id,
                    f"Wallet {w}",
                    f"0x{w:040x}",
                    ("ETHEREUM", "POLYGON", "ARBITRUM", "BASE")[w % 4],
                    total,
                    POSITIONS_PER_WALLET,
                    "completed",
                    now,
                )
            )
        await conn.copy_records_to_table(
            "crypto_wallets",
            records=wallets,
            columns=[
                "id",
                "organization_id",
                "name",
                "address",
                "network",
                "total_balance_usd",
                "asset_count",
                "sync_status",
                "last_sync_at",
            ],
        )
        await conn.copy_records_to_table(
            "crypto_positions",
            records=positions,
            columns=[
                "id",
                "organization_id",
                "wallet_id",
                "symbol",
                "name",
                "contract",
                "category",
                "quantity",
                "price_usd",
                "value_usd",
                "change_24h",
                "updated_at",
            ],
        )
    finally:
        await conn.close()


class _Replay:
    """A wallet's transaction pages, read once and served again from memory: what the sync's
    writing costs without the sandbox building and serialising them alongside."""

    def __init__(self, pages: list[Any]) -> None:
        self._pages = pages

    async def transactions(self, address: str, chain: str, since: Any) -> Any:
        for page in self._pages:
            yield page


async def _sync_rates(stack: Stack, organization_id: uuid.UUID) -> tuple[float, float, float]:
    """Transactions per second written by a transactions-only sync (through the sandbox, then
    replayed), and by a bare COPY of as many rows into a table like crypto_transactions."""
    assert stack.database_url is not None
    settings = settings_for(stack.sandbox_url)
    key = f"bench-{uuid.uuid4().hex[:8]}"
    Knobs(stack.sandbox_url).zerion(api_key=key, transactions_per_wallet=SYNC_TRANSACTIONS)
    client = ZerionClient(settings.zerion_api_base, key, timeout_s=60)
    app = Database(as_role(stack.database_url, APP_ROLE), pool_size=4)
    owner = await asyncpg.connect(bank_data.asyncpg_dsn(stack.database_url))
    rates = []
    try:
        for replayed in (False, True):
            wid, address = uuid.uuid4(), f"0x{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"
            await owner.execute(
                "INSERT INTO crypto_wallets (id, organization_id, name, address, network)"
                " VALUES ($1, $2, 'Sync bench', $3, 'ETHEREUM')",
                wid,
                organization_id,
                address,
            )
            provider: Any = client
            if replayed:
                pages = [p async for p in client.transactions(address, "ethereum", None)]
                provider = _Replay(pages)
            t0 = perf_counter()
            totals = await sync.run(
                app,
                provider,
                organization_id=organization_id,
                wallet_id=wid,
                sync_types=("transactions",),
                full_sync=True,
            )
            elapsed = perf_counter() - t0
            if totals.get("totalTransactions") != SYNC_TRANSACTIONS:
                raise RuntimeError(f"sync stored {totals} of {SYNC_TRANSACTIONS}")
            rates.append(SYNC_TRANSACTIONS / elapsed)
        await owner.execute(
            "CREATE TABLE bench_crypto_copy (LIKE crypto_transactions INCLUDING DEFAULTS"
            " INCLUDING INDEXES INCLUDING CONSTRAINTS)"
        )
        now = dt.datetime.now(dt.UTC)
        wid = uuid.uuid4()
        records = [
            (
                uuid.uuid4(),
                organization_id,
                wid,
                "ETHEREUM",
                f"0x{i:064x}",
                0,
                "SWAP",
                "ETH",
                "Ethereum",
                Decimal("1.5"),
                "USDC",
                "USD Coin",
                Decimal("2500"),
                now - dt.timedelta(minutes=i),
                19_000_000 + i,
                Decimal(120_000),
                Decimal("0.01"),
                Decimal("24.50"),
                "completed",
            )
            for i in range(SYNC_TRANSACTIONS)
        ]
        t0 = perf_counter()
        await owner.copy_records_to_table("bench_crypto_copy", records=records, columns=COLUMNS)
        copy_rate = SYNC_TRANSACTIONS / (perf_counter() - t0)
        await owner.execute("DROP TABLE bench_crypto_copy")
    finally:
        await client.close()
        await app.dispose()
        await owner.close()
    return rates[0], rates[1], copy_rate


def run(
    stack: Stack,
    target: Target,
    meter: CpuMeter,
    *,
    organization_id: uuid.UUID,
    health_p50_ms: float,
) -> CryptoReport:
    assert stack.database_url is not None
    asyncio.run(_seed(stack.database_url, organization_id))
    headers = {"Authorization": target.bearer}
    with httpx.Client(base_url=stack.rest_url, trust_env=False, timeout=30) as http:

        def portfolio() -> None:
            response = http.get("/api/v1/crypto/portfolio", headers=headers)
            if response.status_code != 200:
                raise Unexpected(f"HTTP {response.status_code}")
            if response.json()["data"]["walletCount"] != WALLETS:
                raise Unexpected("wrong wallet count")

        result = run_sequential(
            f"REST GET /api/v1/crypto/portfolio ({WALLETS} wallets, "
            f"{WALLETS * POSITIONS_PER_WALLET:,} positions)",
            portfolio,
            n=PORTFOLIO.n,
            warmup=PORTFOLIO.warmup,
            max_s=PORTFOLIO.max_s,
            meter=meter,
        )
    report = CryptoReport(portfolio=result, health_p50_ms=health_p50_ms)
    report.sync_rows_s, report.replay_rows_s, report.copy_rows_s = asyncio.run(
        _sync_rates(stack, organization_id)
    )
    return report


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def section(report: CryptoReport) -> str:
    """The crypto part of docs/benchmarks.md."""
    r = report.portfolio
    copy = report.copy_rows_s
    return "\n".join(
        [
            "",
            f"### Crypto: the portfolio of {WALLETS} wallets and"
            f" {WALLETS * POSITIONS_PER_WALLET:,} positions; a wallet sync of"
            f" {SYNC_TRANSACTIONS:,} transactions",
            "",
            "The portfolio through Envoy, one client (its aggregation is four SQL statements in"
            " one tenant transaction), beside the one-client REST GET /health above.",
            "",
            "| scenario | n | p50 ms | p99 ms | req/s | × /health p50 | err |",
            "|---|--:|--:|--:|--:|--:|--:|",
            f"| {r.name} | {r.n} | {_n(r.p50_ms, 3)} | {_n(r.p99_ms, 3)} | {_n(r.rps)}"
            f" | {r.p50_ms / report.health_p50_ms:.2f} | {r.errors} |",
            "",
            "Transactions written per second by a transactions-only full sync"
            " (server/crypto/sync.py, as the server's role), and by a bare COPY of as many rows"
            " into a table indexed like crypto_transactions (its unique key included).",
            "",
            "| writer | rows/s | × bare COPY |",
            "|---|--:|--:|",
            f"| sync from the sandbox (Zerion API shape, pages of 100, via httpx)"
            f" | {_n(report.sync_rows_s)} | {report.sync_rows_s / copy:.2f} |",
            f"| the same pages replayed from memory (the sync's writing alone)"
            f" | {_n(report.replay_rows_s)} | {report.replay_rows_s / copy:.2f} |",
            f"| bare COPY into a logged copy of crypto_transactions | {_n(copy)} | 1.00 |",
            "",
        ]
    )
