"""The server-process rows of `make bench` (issue 16): /auth/me and the transaction list (the
budget list when the banking rows are off) with 16 clients (wrk), served by one server process
and then by one per core, in the same run. Both stacks share one Redis (the counters and cached
reads several processes need), the bench's database and its signed-up user, and differ in the
process count alone, so the ratio of their throughputs is the scaling factor, measured.

On this project's 2-core machines the load generator, Envoy and PostgreSQL share the cores with
the servers: the factor says what a second process gains there, not what a second core alone
would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from server.dev.devstack.stack import Ports, Stack
from tests.bench import wrk
from tests.bench.banking import PATH as TRANSACTIONS
from tests.bench.machine import cpus
from tests.bench.scenarios import CONCURRENCY, Target
from tests.redis_server import redis_url

SECONDS = 10
WARMUP_S = 2
TIMEOUT_S = 30
# Beside the bench's own stack (tests/bench/__main__.py PORTS), which stays up meanwhile, idle.
PORTS = Ports(
    http=38180,
    grpc=35151,
    admin=40001,
    smtp=31025,
    sandbox=38190,
    metrics=39564,
    redis=36380,
    process_grpc=35161,
)


@dataclass
class ProcessRow:
    name: str
    one: wrk.Load
    many: wrk.Load

    @property
    def factor(self) -> float:
        return self.many.rps / self.one.rps


@dataclass
class ProcessesReport:
    processes: int
    rows: list[ProcessRow] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(r.one.errors + r.many.errors for r in self.rows)


def _routes(with_banking: bool) -> list[tuple[str, str, dict[str, object]]]:
    listing = (
        (f"REST GET {TRANSACTIONS} page 1", TRANSACTIONS, {"page": 1, "limit": 50})
        if with_banking
        else ("REST GET /api/v1/budgets", "/api/v1/budgets", {})
    )
    return [("REST GET /api/v1/auth/me", "/api/v1/auth/me", {}), listing]


@contextmanager
def _stack(base: Stack, redis: str, processes: int) -> Iterator[Stack]:
    env = {**base.env, "REDIS_URL": redis, "RATE_LIMIT_KEY_PREFIX": f"bench-{processes}"}
    with Stack(
        ports=PORTS,
        var_dir=base.var_dir / f"processes-{processes}",
        database_url=base.database_url,
        run_migrations=False,
        smtp=False,
        sandbox=False,
        worker=False,
        env=env,
        app_env="test",
        server_processes=processes,
    ) as running:
        yield running


def _load(stack: Stack, name: str, path: str, params: dict[str, object], bearer: str) -> wrk.Load:
    headers = {"Authorization": bearer}
    with httpx.Client(base_url=stack.rest_url, trust_env=False, timeout=TIMEOUT_S) as http:
        checked = http.get(path, params=params, headers=headers)
        if checked.status_code != 200:
            raise RuntimeError(f"{name}: HTTP {checked.status_code}: {checked.text[:120]}")
    common = dict(params=params, headers=headers, connections=CONCURRENCY, timeout_s=TIMEOUT_S)
    url = stack.rest_url + path
    wrk.run(name, url, seconds=WARMUP_S, **common)  # type: ignore[arg-type]
    return wrk.run(name, url, seconds=SECONDS, **common)  # type: ignore[arg-type]


def run(
    base: Stack, target: Target, *, with_banking: bool, say: Callable[[str], None]
) -> ProcessesReport | None:
    """Each route with one server process, then with one per core; None on one core."""
    processes = cpus()
    if processes < 2:
        say("one core: no server-process rows")
        return None
    report = ProcessesReport(processes)
    routes = _routes(with_banking)
    loads: dict[int, list[wrk.Load]] = {}
    with redis_url(PORTS.redis, base.var_dir / "processes-redis") as redis:
        for count in (1, processes):
            say(f"{count} server process(es)")
            with _stack(base, redis, count) as stack:
                loads[count] = [
                    _load(stack, f"{name} ×{CONCURRENCY}", path, params, target.bearer)
                    for name, path, params in routes
                ]
    for (name, _, _), one, many in zip(routes, loads[1], loads[processes], strict=True):
        report.rows.append(ProcessRow(f"{name} ×{CONCURRENCY}", one, many))
    return report


def section(report: ProcessesReport) -> str:
    n = report.processes
    rows = [
        f"| {r.name} | {r.one.rps:,.0f} | {r.many.rps:,.0f} | {r.factor:.2f} |"
        f" {r.one.p50_ms:,.2f} | {r.many.p50_ms:,.2f} | {r.one.errors + r.many.errors} |"
        for r in report.rows
    ]
    return "\n".join(
        [
            "",
            f"### Server processes: 1 and {n} (SERVER_PROCESSES), {CONCURRENCY} clients",
            "",
            f"wrk, {SECONDS} s per row after a {WARMUP_S} s warm-up, against a stack of one server"
            f" process and then one of {n} (Envoy taking them in turn), both on the bench's"
            " database and one Redis. *×* is the scaling factor: req/s with"
            f" {n} processes over req/s with 1, same run. The load generator, Envoy and"
            " PostgreSQL share the machine's cores with the servers.",
            "",
            f"| scenario | req/s, 1 process | req/s, {n} processes | × | p50 ms, 1 | p50 ms, {n}"
            " | err |",
            "|---|--:|--:|--:|--:|--:|--:|",
            *rows,
            "",
        ]
    )
