"""The gateway row of `make bench` (issue 15): payments per second with 16 clients at once,
half of the requests retries of the one before under the same Idempotency-Key, beside REST
GET /health with the same clients; then the payments in the database are counted against the
distinct keys sent (one payment per key, whatever the retries)."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

import asyncpg
import httpx

from server.dev.devstack.stack import Stack
from tests.bench import bank_data
from tests.bench.cpu import CpuMeter
from tests.bench.runners import Unexpected, run_concurrent
from tests.bench.scenarios import CONCURRENCY, Plan
from tests.bench.stats import Result

PLAN = Plan(n=2000, warmup=2 * CONCURRENCY, max_s=20)
RAIL_KEY = "sk_rail_test_fingate"


@dataclass
class GatewayReport:
    health: Result
    payments: Result
    keys: int
    stored: int


def _principal(stack: Stack) -> tuple[str, str]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    run = subprocess.run(
        [sys.executable, "-m", "server.gateway.service_token", "create", name],
        env={**os.environ, "DATABASE_URL": stack.database_url or ""},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = dict(line.split(":", 1) for line in run.stdout.splitlines() if ":" in line)
    return lines["client_id"].strip(), lines["client_secret"].strip()


async def _stored(database_url: str, client_id: str) -> int:
    conn = await asyncpg.connect(bank_data.asyncpg_dsn(database_url))
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM gateway_payments p JOIN service_principals s"
            " ON s.user_id = p.principal_id WHERE s.client_id = $1",
            client_id,
        )
        return count
    finally:
        await conn.close()


async def _measure(
    stack: Stack, meter: CpuMeter, headers: dict[str, str], body: dict
) -> tuple[Result, Result, int]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    counter = itertools.count()
    run = uuid.uuid4().hex[:8]
    keys: set[str] = set()
    async with httpx.AsyncClient(
        base_url=stack.rest_url, limits=limits, trust_env=False, timeout=30
    ) as http:

        async def health() -> None:
            response = await http.get("/health")
            if response.status_code != 200:
                raise Unexpected(f"HTTP {response.status_code}")

        async def pay() -> None:
            # Requests 2k and 2k+1 share a key: every other request is a retry.
            key = f"bench-{run}-{next(counter) // 2}"
            keys.add(key)
            response = await http.post(
                "/api/v1/banking/payments",
                json=body,
                headers={**headers, "Idempotency-Key": key},
            )
            # 409: the retry arrived while its first call was still being made.
            if response.status_code not in (201, 409):
                raise Unexpected(f"HTTP {response.status_code}")

        baseline = await run_concurrent(
            f"REST GET /health ×{CONCURRENCY} (baseline)",
            health,
            n=PLAN.n,
            concurrency=CONCURRENCY,
            warmup=PLAN.warmup,
            max_s=PLAN.max_s,
            meter=meter,
        )
        payments = await run_concurrent(
            f"REST POST /api/v1/banking/payments ×{CONCURRENCY} (half retries)",
            pay,
            n=PLAN.n,
            concurrency=CONCURRENCY,
            warmup=PLAN.warmup,
            max_s=PLAN.max_s,
            meter=meter,
        )
    return baseline, payments, len(keys)


def run(stack: Stack, meter: CpuMeter) -> GatewayReport:
    assert stack.database_url is not None
    client_id, secret = _principal(stack)
    with httpx.Client(base_url=stack.rest_url, trust_env=False, timeout=30) as http:
        token = http.post(
            "/api/v1/gateway/token", json={"client_id": client_id, "client_secret": secret}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        name = f"Ach_bench_{uuid.uuid4().hex[:6]}"
        registered = http.post(
            "/api/v1/banking/integrations",
            json={
                "name": name,
                "type": "ACH",
                "config": {
                    "api_key": RAIL_KEY,
                    "originator_id": "1234567890",
                    "api_base": f"{stack.sandbox_url}/ach",
                },
            },
            headers=headers,
        )
        if registered.status_code != 201:
            raise Unexpected(f"register: HTTP {registered.status_code}")
        accounts = httpx.get(
            f"{stack.sandbox_url}/ach/v1/customers/bench-{uuid.uuid4().hex[:8]}/accounts",
            headers={"Authorization": f"Bearer {RAIL_KEY}"},
        ).json()["data"]
    body = {
        "amount": 0.01,
        "currency": "USD",
        "from_account": accounts[0]["account_id"],
        "to_account": "bench-payee",
        "description": "bench",
        "preferred_integrations": [name],
    }
    baseline, payments, keys = asyncio.run(_measure(stack, meter, headers, body))
    stored = asyncio.run(_stored(stack.database_url, client_id))
    return GatewayReport(baseline, payments, keys, stored)


def section(report: GatewayReport) -> str:
    rows = [
        f"| {r.name} | {r.n} | {r.p50_ms:,.3f} | {r.p99_ms:,.3f} | {r.rps:,.0f}"
        f" | {r.rps / report.health.rps:.3f} | {r.errors} |"
        for r in (report.health, report.payments)
    ]
    return "\n".join(
        [
            "",
            f"### Gateway payments: {CONCURRENCY} clients, half the requests retries",
            "",
            "Each payment goes to the sandbox's ACH rail (one attempt, its status read on the"
            " next call); the retries answer from the Idempotency-Key store or 409 while the first"
            " call runs. Throughput is compared with REST GET /health at the same concurrency.",
            "",
            "| scenario | n | p50 ms | p99 ms | req/s | × /health req/s | err |",
            "|---|--:|--:|--:|--:|--:|--:|",
            *rows,
            "",
            f"Distinct keys sent (warm-up included): {report.keys:,}; payments stored:"
            f" {report.stored:,} ({'equal' if report.keys == report.stored else 'NOT EQUAL'}).",
            "",
        ]
    )
