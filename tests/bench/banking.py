"""The banking rows of `make bench` (issue 4): the transaction list on 1,000,000 rows beside
GET /health, pgbench running the route's own SQL, and a FastAPI + ORM peer; analytics and
summary latency; first-sync ingest from the sandbox beside a bare COPY.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx
import jwt
from sqlalchemy.dialects import postgresql

from server.auth import repository as auth_repository
from server.banking import transaction_list
from server.banking.filters import TransactionFilter
from server.banking.sync import engine
from server.dev.devstack.postgres import as_role
from server.dev.devstack.process import spawn, stop_process
from server.dev.devstack.stack import Stack
from server.organizations import membership as tenancy_repository
from server.platform.common.pagination import PageRequest
from server.platform.db.compiled import Compiled
from server.platform.db.database import Database
from server.platform.db.rls import APP_ROLE, ORG_SETTING
from server.platform.jobs.app import Runtime
from server.providers.base import ProviderAccount, TransactionPage
from server.providers.plaid import PlaidProvider
from tests.bench import bank_data, pgbench, wrk
from tests.bench.cpu import CpuMeter
from tests.bench.runners import Unexpected, run_sequential
from tests.bench.scenarios import CONCURRENCY, TIMEOUT_S, Plan, Target
from tests.bench.stats import Result
from tests.factories.banking import plaid_connection
from tests.factories.sandbox import settings_for

LIST_S = 10
WARMUP_S = 2
# The peer answers a few requests a second: a longer run gives its figures enough requests.
PEER_S = 30
PEER_TIMEOUT_S = 60
ONE = Plan(n=200, warmup=10, max_s=15)
PGBENCH_S = 10
INGEST = 100_000
PATH = "/api/v1/banking/transactions"


@dataclass(frozen=True)
class Variant:
    name: str
    page: int
    filtered: bool


VARIANTS = [
    Variant("page 1", 1, False),
    Variant("page 1000", 1000, False),
    Variant("filtered page 1", 1, True),
    Variant("filtered page 1000", 1000, True),
]


@dataclass
class ListRow:
    variant: Variant
    fingate: wrk.Load
    peer: wrk.Load
    pg: pgbench.PgbenchResult
    # Everything the route sends PostgreSQL per request, as the server's role (under RLS).
    whole: pgbench.PgbenchResult


@dataclass
class BankingReport:
    transactions: int
    health: wrk.Load
    lists: list[ListRow] = field(default_factory=list)
    latency: list[Result] = field(default_factory=list)
    ingest_rows_s: float = 0.0
    replay_rows_s: float = 0.0
    copy_rows_s: float = 0.0
    copy_temp_rows_s: float = 0.0


def _window() -> tuple[dt.date, dt.date]:
    today = dt.datetime.now(dt.UTC).date()
    return today - dt.timedelta(days=365), today


def _query(variant: Variant, organization_id: uuid.UUID | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"page": variant.page, "limit": 50}
    if variant.filtered:
        start, end = _window()
        params |= {
            "category": bank_data.FILTER_CATEGORY,
            "minAmount": bank_data.FILTER_MIN,
            "maxAmount": bank_data.FILTER_MAX,
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
        }
    if organization_id is not None:
        params["organizationId"] = str(organization_id)
    return params


def _filter(variant: Variant) -> TransactionFilter:
    page = PageRequest(page=variant.page, limit=50)
    if not variant.filtered:
        return TransactionFilter(page=page)
    start, end = _window()
    return TransactionFilter(
        page=page,
        category=bank_data.FILTER_CATEGORY,
        start=dt.datetime.combine(start, dt.time(), dt.UTC),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC),
        min_amount=Decimal(bank_data.FILTER_MIN),
        max_amount=Decimal(bank_data.FILTER_MAX),
    )


def route_sql(organization_id: uuid.UUID, variant: Variant) -> str:
    """The statements the route runs for this variant (page, then summary), as literal SQL."""
    f = _filter(variant)
    statements = [
        transaction_list.page_query(organization_id, f),
        transaction_list.summary_query(organization_id, f),
    ]
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return ";\n".join(
        str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) for s in statements
    )


def _session_of(token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(user id, session id) of the bench's access token."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])


def _literal(statement: Compiled, **params: Any) -> str:
    """A compiled statement with its parameters written in, for pgbench."""
    sql = statement.sql
    args = statement.args(params)
    for i in range(len(args), 0, -1):  # $10 before $1
        value = args[i - 1]
        text = str(value) if isinstance(value, int | Decimal) else f"'{value}'"
        sql = sql.replace(f"${i}", text)
    return sql


def whole_route_sql(
    organization_id: uuid.UUID, session: tuple[uuid.UUID, uuid.UUID], variant: Variant
) -> str:
    """Every statement the route sends PostgreSQL for one request once its caches are warm:
    the session check, the membership, the tenant's READ ONLY transaction, then the totals
    (unfiltered) or the data version its cached summary is keyed by (filtered), and the page."""
    f = _filter(variant)
    user_id, session_id = session
    values = transaction_list.params(organization_id, f)
    if transaction_list.unfiltered(f):
        summary = _literal(transaction_list._SUMMARY(organization_id, f), **values)
    else:
        summary = _literal(transaction_list._VERSION, org=organization_id)
    return ";\n".join(
        [
            _literal(auth_repository._LIVE_SESSION_USER, session_id=session_id, user_id=user_id),
            _literal(tenancy_repository._PERSONAL, user_id=user_id),
            "BEGIN READ ONLY",
            f"SELECT set_config('{ORG_SETTING}', '{organization_id}', true)",
            summary,
            _literal(transaction_list._PAGE(organization_id, f), **values),
            "COMMIT",
        ]
    )


def _start_peer(stack: Stack, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    assert stack.database_url is not None
    cmd = [sys.executable, "-m", "tests.bench.peer", str(port), stack.database_url]
    proc = spawn(cmd, log_path=log_path, env=None, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1, trust_env=False)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_process(proc)
    raise RuntimeError("the FastAPI peer did not start")


def _expect(response: httpx.Response, rows: int | None = None) -> None:
    if response.status_code != 200:
        raise Unexpected(f"HTTP {response.status_code}: {response.text[:120]}")
    if rows is not None and len(response.json()["data"]) != rows:
        raise Unexpected(f"{len(response.json()['data'])} rows")


def _load(
    name: str,
    base: str,
    path: str,
    params: dict[str, Any],
    headers: dict[str, str],
    rows: int | None,
    *,
    seconds: int = LIST_S,
) -> wrk.Load:
    """CONCURRENCY clients (wrk) for `seconds`, after one checked answer and an untimed
    warm-up that fills every pooled connection's prepared statements. A request may take up
    to PEER_TIMEOUT_S (the peer's slowest answers take seconds under this load) before it
    counts as failed."""
    with httpx.Client(base_url=base, trust_env=False, timeout=PEER_TIMEOUT_S) as http:
        _expect(http.get(path, params=params, headers=headers), rows)
    common = dict(params=params, headers=headers, connections=CONCURRENCY, timeout_s=PEER_TIMEOUT_S)
    wrk.run(name, base + path, seconds=WARMUP_S, **common)  # type: ignore[arg-type]
    return wrk.run(name, base + path, seconds=seconds, **common)  # type: ignore[arg-type]


class _Replay:
    """The pages of a provider, read once and served again from memory: what the sync
    engine's writing costs without the sandbox computing and serialising them alongside."""

    name = "PLAID"

    def __init__(self, provider: PlaidProvider, pages: list[TransactionPage]) -> None:
        self._provider, self._pages = provider, pages

    async def accounts(self, access_token: str) -> list[ProviderAccount]:
        return await self._provider.accounts(access_token)

    async def transactions(self, access_token: str, cursor: str, count: int) -> TransactionPage:
        return self._pages[int(cursor or 0)]


async def _pages(provider: PlaidProvider, access_token: str) -> list[TransactionPage]:
    pages: list[TransactionPage] = []
    cursor = ""
    while True:
        page = await provider.transactions(access_token, cursor, engine.PAGE_SIZE)
        cursor = page.next_cursor
        pages.append(replace(page, next_cursor=str(len(pages) + 1)))
        if not page.has_more:
            return pages


async def _ingest(stack: Stack) -> tuple[float, float, float, float]:
    """Rows per second of a first sync of INGEST transactions (through the sandbox, then from
    pages already read), and of a bare COPY of as many (into a logged table, then a temporary
    one)."""
    assert stack.database_url is not None
    settings = settings_for(stack.sandbox_url)
    owner = Database(stack.database_url, pool_size=2)
    app = Database(as_role(stack.database_url, APP_ROLE), pool_size=4)
    plaid = PlaidProvider(settings)
    rates = []
    try:
        for replayed in (False, True):
            org, connection, token = await plaid_connection(
                owner,
                plaid,
                transactions={"count_per_account": INGEST // 2},
                accounts=["checking", "savings"],
            )
            provider = _Replay(plaid, await _pages(plaid, token)) if replayed else None
            t0 = perf_counter()
            result = await engine.sync(
                Runtime(db=app, settings=settings),
                organization_id=org,
                connection_id=connection,
                sync_type="full",
                job_id=None,
                provider=provider,
            )
            elapsed = perf_counter() - t0
            if result.added != INGEST:
                raise RuntimeError(f"ingest stored {result.added} of {INGEST}")
            rates.append(INGEST / elapsed)
    finally:
        await owner.dispose()
        await app.dispose()
    logged = await bank_data.bare_copy_rate(stack.database_url, INGEST, logged=True)
    temp = await bank_data.bare_copy_rate(stack.database_url, INGEST, logged=False)
    return rates[0], rates[1], logged, temp


def run(stack: Stack, target: Target, meter: CpuMeter, *, say: Any) -> BankingReport:
    assert stack.database_url is not None
    org, user = asyncio.run(_personal_org(stack.database_url, target.email))
    say(f"seeding {bank_data.TRANSACTIONS:,} transactions")
    asyncio.run(bank_data.seed(stack.database_url, org, user))
    headers = {"Authorization": target.bearer}
    session = _session_of(target.token)
    peer_port = stack.ports.http + 20
    peer = _start_peer(stack, peer_port, stack.var_dir / "log" / "peer.log")
    try:
        report = BankingReport(
            transactions=bank_data.TRANSACTIONS,
            health=_load(
                f"REST GET /health ×{CONCURRENCY}", stack.rest_url, "/health", {}, {}, None
            ),
        )
        for variant in VARIANTS:
            say(f"transaction list, {variant.name}")
            fingate = _load(
                f"REST {PATH} {variant.name} ×{CONCURRENCY}",
                stack.rest_url,
                PATH,
                _query(variant),
                headers,
                50,
            )
            other = _load(
                f"FastAPI + ORM peer {variant.name} ×{CONCURRENCY}",
                f"http://127.0.0.1:{peer_port}",
                PATH,
                _query(variant, org),
                {},
                50,
                seconds=PEER_S,
            )
            pg = pgbench.run(
                stack.database_url, route_sql(org, variant), clients=CONCURRENCY, seconds=PGBENCH_S
            )
            whole = pgbench.run(
                as_role(stack.database_url, APP_ROLE),
                whole_route_sql(org, session, variant),
                clients=CONCURRENCY,
                seconds=PGBENCH_S,
            )
            report.lists.append(ListRow(variant, fingate, other, pg, whole))
    finally:
        stop_process(peer)
    say("analytics and summary latency")
    report.latency = _latency(stack, headers, meter)
    say(f"ingest of {INGEST:,} transactions")
    (
        report.ingest_rows_s,
        report.replay_rows_s,
        report.copy_rows_s,
        report.copy_temp_rows_s,
    ) = asyncio.run(_ingest(stack))
    return report


def _latency(stack: Stack, headers: dict[str, str], meter: CpuMeter) -> list[Result]:
    with httpx.Client(base_url=stack.rest_url, trust_env=False, timeout=TIMEOUT_S) as http:

        def analytics() -> None:
            _expect(http.get("/api/v1/banking/analytics/spending/categories", headers=headers))

        def summary() -> None:
            # One row: the page costs nothing, the summary over the filtered set is the work.
            params = {**_query(VARIANTS[2]), "limit": 1}
            _expect(http.get(PATH, params=params, headers=headers), 1)

        return [
            run_sequential(
                "REST spending analytics (last 30 days)",
                analytics,
                n=ONE.n,
                warmup=ONE.warmup,
                max_s=ONE.max_s,
                meter=meter,
            ),
            run_sequential(
                "REST transactions summary (filtered, limit 1)",
                summary,
                n=ONE.n,
                warmup=ONE.warmup,
                max_s=ONE.max_s,
                meter=meter,
            ),
        ]


async def _personal_org(database_url: str, email: str) -> tuple[uuid.UUID, uuid.UUID]:
    import asyncpg

    conn = await asyncpg.connect(bank_data.asyncpg_dsn(database_url))
    try:
        row = await conn.fetchrow(
            "SELECT o.id, u.id FROM organizations o JOIN users u ON u.id = o.owner_id"
            " WHERE u.email = $1 AND o.is_personal",
            email,
        )
    finally:
        await conn.close()
    assert row is not None
    return row[0], row[1]


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> str:
    return _n(a / b, 2) if b else "n/a"


def section(report: BankingReport) -> str:
    """The banking part of docs/benchmarks.md."""
    h = report.health
    lines = [
        f"### Banking: {report.transactions:,} transactions in one organization (10 accounts)",
        "",
        f"Throughput with {CONCURRENCY} concurrent keep-alive clients driven by wrk"
        f" ({LIST_S} s after a {WARMUP_S} s warm-up and one answer checked for its 50 rows)."
        " *fingate*: the route through Envoy (auth, tenant, rate limit, page + summary queries)."
        " *peer*: the same route in FastAPI + SQLAlchemy ORM + pydantic, no auth, no Envoy"
        f" (tests/bench/peer.py), driven for {PEER_S} s. *pgbench*: the route's page and"
        " summary statements by pgbench,"
        f" {CONCURRENCY} clients, {PGBENCH_S} s, as the schema owner. *pgbench, whole route*:"
        " every statement the route sends per request once its caches are warm (session check,"
        " membership, the READ ONLY tenant transaction and its binding, the totals or, filtered,"
        " the data version its cached summary is keyed by, the page) as the server's role, under"
        f" row-level security: what PostgreSQL alone allows the route. REST GET /health"
        f" ×{CONCURRENCY} through Envoy: {_n(h.rps)} req/s, p50 {_n(h.p50_ms, 2)} ms.",
        "",
        "| list | fingate req/s | p50 ms | p99 ms | peer req/s | peer p50 ms | pgbench tps"
        " | pgbench tps, whole route | × peer | × pgbench | × whole route | × /health | err |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in report.lists:
        f, p = row.fingate, row.peer
        lines.append(
            f"| {row.variant.name} | {_n(f.rps)} | {_n(f.p50_ms, 2)} | {_n(f.p99_ms, 2)}"
            f" | {_n(p.rps)} | {_n(p.p50_ms, 2)} | {_n(row.pg.tps)} | {_n(row.whole.tps)}"
            f" | {_ratio(f.rps, p.rps)} | {_ratio(f.rps, row.pg.tps)}"
            f" | {_ratio(f.rps, row.whole.tps)} | {_ratio(f.rps, h.rps)}"
            f" | {f.errors + p.errors} |"
        )
    lines += ["", "| one client | n | p50 ms | p99 ms |", "|---|--:|--:|--:|"]
    for r in report.latency:
        lines.append(f"| {r.name} | {r.n} | {_n(r.p50_ms, 2)} | {_n(r.p99_ms, 2)} |")
    logged = report.copy_rows_s or float("nan")
    temp = report.copy_temp_rows_s or float("nan")
    lines += [
        "",
        f"| first-sync ingest of {INGEST:,} transactions | rows/s | × bare COPY"
        " | × bare COPY, temporary table |",
        "|---|--:|--:|--:|",
        f"| from the sandbox (Plaid /transactions/sync via plaid-python, pages of 500, the"
        f" engine writing as the server's role) | {_n(report.ingest_rows_s)}"
        f" | {report.ingest_rows_s / logged:.2f} | {report.ingest_rows_s / temp:.2f} |",
        f"| the same pages replayed from memory (the engine's writing alone)"
        f" | {_n(report.replay_rows_s)} | {report.replay_rows_s / logged:.2f}"
        f" | {report.replay_rows_s / temp:.2f} |",
        f"| bare COPY of the same rows into a table indexed like bank_transactions"
        f" (logged, as bank_transactions) | {_n(report.copy_rows_s)} | 1.00 |"
        f" {report.copy_rows_s / temp:.2f} |",
        f"| the same into a temporary table (no write-ahead log)"
        f" | {_n(report.copy_temp_rows_s)} | {report.copy_temp_rows_s / logged:.2f} | 1.00 |",
        "",
    ]
    return "\n".join(lines)
