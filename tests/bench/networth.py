"""The net-worth rows of `make bench` (issue 13): the summary and a year of DAILY history for an
organization with 10 bank accounts, 20 wallets (the crypto rows' own), 10 asset accounts and
three years of daily snapshots."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

import asyncpg
import httpx

from server.dev.devstack.stack import Stack
from tests.bench import bank_data
from tests.bench.cpu import CpuMeter
from tests.bench.runners import Unexpected, run_sequential
from tests.bench.scenarios import Plan, Target
from tests.bench.stats import Result

BANK_ACCOUNTS = 10
ASSETS = 10
SNAPSHOT_DAYS = 3 * 365
PLAN = Plan(n=300, warmup=20, max_s=20)


@dataclass
class NetWorthReport:
    summary: Result
    history: Result
    health_p50_ms: float


async def _seed(database_url: str, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    conn = await asyncpg.connect(bank_data.asyncpg_dsn(database_url))
    try:
        banks = await conn.fetchval(
            "SELECT count(*) FROM financial_accounts WHERE organization_id = $1", organization_id
        )
        if banks < BANK_ACCOUNTS:
            connection = uuid.uuid4()
            await conn.execute(
                "INSERT INTO bank_connections (id, organization_id, user_id, provider,"
                " provider_item_id, access_token_sealed, institution_name, status)"
                " VALUES ($1, $2, $3, 'PLAID', $4, 'x', 'Bench Bank', 'ACTIVE')",
                connection,
                organization_id,
                user_id,
                f"item-{connection.hex[:12]}",
            )
            kinds = [
                ("CHECKING", "checking"),
                ("SAVINGS", "savings"),
                ("CREDIT_CARD", "other"),
                ("INVESTMENT", "brokerage"),
                ("LOAN", "other"),
            ]
            await conn.copy_records_to_table(
                "financial_accounts",
                records=[
                    (
                        uuid.uuid4(),
                        organization_id,
                        connection,
                        f"acc-bench-{i}",
                        f"Account {i}",
                        *kinds[i % len(kinds)],
                        Decimal(1000 * (i + 1)),
                        "USD",
                    )
                    for i in range(BANK_ACCOUNTS - banks)
                ],
                columns=[
                    "id",
                    "organization_id",
                    "connection_id",
                    "provider_account_id",
                    "name",
                    "type",
                    "subtype",
                    "balance",
                    "currency",
                ],
            )
        types = ["REAL_ESTATE", "VEHICLE", "INVESTMENT", "CUSTOM"]
        await conn.copy_records_to_table(
            "asset_accounts",
            records=[
                (
                    uuid.uuid4(),
                    organization_id,
                    f"Asset {i}",
                    types[i % 4],
                    Decimal(5000 * (i + 1)),
                    "EUR" if i == 0 else "USD",
                )
                for i in range(ASSETS)
            ],
            columns=["id", "organization_id", "name", "type", "balance", "currency"],
        )
        today = dt.datetime.now(dt.UTC).date()
        await conn.copy_records_to_table(
            "networth_snapshots",
            records=[
                (
                    uuid.uuid4(),
                    organization_id,
                    today - dt.timedelta(days=d),
                    Decimal(500000 + d),
                    Decimal(600000 + d),
                    Decimal(100000),
                )
                for d in range(1, SNAPSHOT_DAYS + 1)
            ],
            columns=[
                "id",
                "organization_id",
                "snapshot_date",
                "total_net_worth",
                "total_assets",
                "total_liabilities",
            ],
        )
    finally:
        await conn.close()


def run(
    stack: Stack,
    target: Target,
    meter: CpuMeter,
    *,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    health_p50_ms: float,
) -> NetWorthReport:
    assert stack.database_url is not None
    asyncio.run(_seed(stack.database_url, organization_id, user_id))
    headers = {"Authorization": target.bearer}
    with httpx.Client(base_url=stack.rest_url, trust_env=False, timeout=30) as http:

        def get(path: str, points: int | None = None) -> None:
            response = http.get(path, headers=headers)
            if response.status_code != 200:
                raise Unexpected(f"HTTP {response.status_code}")
            if points is not None and len(response.json()["data"]["dataPoints"]) != points:
                raise Unexpected("wrong number of points")

        summary = run_sequential(
            "REST GET /api/v1/networth",
            lambda: get("/api/v1/networth"),
            n=PLAN.n,
            warmup=PLAN.warmup,
            max_s=PLAN.max_s,
            meter=meter,
        )
        history = run_sequential(
            "REST GET /api/v1/networth/history?period=1y (DAILY)",
            lambda: get("/api/v1/networth/history?period=1y"),
            n=PLAN.n,
            warmup=PLAN.warmup,
            max_s=PLAN.max_s,
            meter=meter,
        )
    return NetWorthReport(summary, history, health_p50_ms)


def section(report: NetWorthReport) -> str:
    rows = []
    for r in (report.summary, report.history):
        rows.append(
            f"| {r.name} | {r.n} | {r.p50_ms:,.3f} | {r.p99_ms:,.3f} | {r.rps:,.0f}"
            f" | {r.p50_ms / report.health_p50_ms:.2f} | {r.errors} |"
        )
    return "\n".join(
        [
            "",
            f"### Net worth: {BANK_ACCOUNTS} bank accounts, 20 wallets, {ASSETS} asset accounts"
            f" (one in EUR), {SNAPSHOT_DAYS:,} daily snapshots",
            "",
            "One client through Envoy, beside the one-client REST GET /health above. The summary"
            " computes the balance sheet (three grouped sums, the day's rates) and reads the"
            " snapshot at the period's start; the history rolls a year of snapshots up in SQL.",
            "",
            "| scenario | n | p50 ms | p99 ms | req/s | × /health p50 | err |",
            "|---|--:|--:|--:|--:|--:|--:|",
            *rows,
            "",
        ]
    )
