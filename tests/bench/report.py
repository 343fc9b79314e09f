"""The markdown that `make bench` prints and writes to docs/benchmarks.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tests.bench.stats import Result

EXPLANATION = """\
# Benchmarks

`make bench` (`.venv/bin/python -m tests.bench`) starts its own stack (gRPC server on 35051,
Envoy on 38080 with admin on 39901, SMTP sink on 31025, state under `var/bench`, PostgreSQL from
`DATABASE_URL` when set, else the embedded one), signs one user up through REST, measures, stops
every process it started and rewrites this file. All traffic goes to 127.0.0.1. Each row sends a
fixed number of requests after an untimed warm-up and stops early at a time cap; the whole run,
stack start and stop included, takes about half a minute on 2 cores (at most about three minutes
if every cap is hit). Nothing asserts on time.

**Why ratios.** Milliseconds and requests per second depend on the machine and on whatever else it
is running; the load generator itself shares the cores with the server, Envoy and PostgreSQL. A
baseline measured in the same run under the same conditions cancels most of that, so the figures
to compare across commits are the ratios. The baseline is `grpc.health.v1.Health/Check` straight
to the server: the cheapest call that still crosses the whole grpc.aio stack and the server's
interceptors, with no database and no Envoy. A ratio therefore reads "this path costs k baseline
calls". One-client rows compare with the one-client baseline, ×16 rows with the ×16 baseline. The
"baseline again" row repeats the baseline at the end of the one-client rows: ratios far from 1.00
there mean the machine was busy with something else and the run is noisy. Across eight
back-to-back runs on an otherwise idle 2-core machine the "baseline again" p50 ratio ranged from
0.83 to 1.13 and single ratios varied by up to about a third (the authenticated rows most):
compare the median of three runs and read smaller changes as noise.

**Rows.**

- *gRPC Health/Check (baseline)*: the standard health service on the server's own port, one
  request at a time over one channel (sync grpcio client).
- *gRPC SystemService/GetHealth*: the same cost plus one PostgreSQL round trip and the response
  envelope.
- *REST GET /health*: that RPC through Envoy (HTTP/1.1 keep-alive, JSON transcoding, the Lua
  filter, the access log): the difference to the row above is Envoy's share.
- *gRPC AuthService/GetCurrentUser*: the authenticated hot path: HS256 JWT verification, the
  live-session + user lookup of the auth interceptor, the user read of the servicer, the proto
  conversion; bearer token in the `authorization` metadata.
- *REST GET /api/v1/auth/me*: the same through Envoy with `Authorization: Bearer`.
- *REST POST /api/v1/auth/sign-in*: bound by one argon2id verification (19 MiB, t=2, p=1, in a
  worker thread) plus a user read, an update and a new session; a small n on purpose. Its ratio
  is the price of a sign-in in baseline calls.
- *×16 rows*: 16 clients at once in this process (asyncio tasks; grpc.aio on one channel for
  gRPC, an httpx.AsyncClient pool of 16 HTTP/1.1 connections for REST). Requests per second is
  the figure that matters; their latencies include queueing.

**Columns.** *n*: timed requests. *p50*, *p99*: nearest-rank latency percentiles of the
successful requests, `time.perf_counter` around each call in the client. *req/s*: n over the
row's wall time. *p50 ×*: p50 over the baseline's p50 (higher is slower). *req/s ×*: req/s over
the baseline's (lower is slower). *err*: failed requests (should be 0). The CPU table gives the
CPU milliseconds each process spent per request during the timed part (from `/proc`, 10 ms
ticks): the gRPC server, Envoy, PostgreSQL (only when embedded: its postmaster and backends; an
external server is shared, so n/a) and the bench client (this process, grpcio's C threads
included). On 2 cores, total CPU over wall time shows how close to saturation a row ran.
"""

CPU_COLUMNS = (("server", "server"), ("envoy", "Envoy"), ("postgres", "PostgreSQL"))


@dataclass(frozen=True)
class RunInfo:
    """Where and how a run happened."""

    date: str
    commit: str
    uncommitted: bool
    cpus: int
    python: str
    platform: str
    load_average: str
    postgres: str
    command: str
    duration_s: float


def _num(value: float | None, digits: int) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _baselines(results: Sequence[Result]) -> dict[int, Result]:
    # The first row at each concurrency is that concurrency's baseline.
    found: dict[int, Result] = {}
    for result in results:
        found.setdefault(result.concurrency, result)
    return found


def latency_table(results: Sequence[Result]) -> str:
    """Name, n, clients, p50, p99, req/s and the two ratios to the baseline."""
    lines = [
        "| scenario | n | clients | p50 ms | p99 ms | req/s | p50 × | req/s × | err |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    bases = _baselines(results)
    for r in results:
        base = bases[r.concurrency]
        lines.append(
            f"| {r.name} | {r.n} | {r.concurrency} | {_num(r.p50_ms, 3)} | {_num(r.p99_ms, 3)}"
            f" | {_num(r.rps, 0)} | {_num(r.p50_ms / base.p50_ms, 2)}"
            f" | {_num(r.rps / base.rps, 2)} | {r.errors} |"
        )
    return "\n".join(lines)


def cpu_table(results: Sequence[Result]) -> str:
    """CPU milliseconds per request of each process, their total and cores busy."""
    heads = " | ".join(title for _, title in CPU_COLUMNS)
    lines = [
        f"| scenario | {heads} | bench client | total measured | cores busy |",
        "|---|" + "--:|" * (len(CPU_COLUMNS) + 3),
    ]
    for r in results:
        keys = [key for key, _ in CPU_COLUMNS] + ["client"]
        per = [r.cpu_ms_per_request(key) for key in keys]
        total = sum(v for v in per if v is not None)
        busy = total * r.n / 1000 / r.wall_s if r.wall_s > 0 else math.nan
        cells = " | ".join(_num(v, 3) for v in per)
        lines.append(f"| {r.name} | {cells} | {_num(total, 3)} | {_num(busy, 2)} |")
    return "\n".join(lines)


def latest_run(info: RunInfo, results: Sequence[Result]) -> str:
    """The "latest run" section: the run's facts, then both tables."""
    errors = [f"- {r.name}: first error `{r.first_error}`" for r in results if r.errors]
    return "\n".join(
        [
            f"## Latest run: {info.date}",
            "",
            f"- commit: `{info.commit}`"
            + (" plus uncommitted changes to tracked files" if info.uncommitted else ""),
            f"- machine: {info.cpus} CPUs (nproc), Python {info.python}, {info.platform};"
            f" load average at start {info.load_average}",
            f"- PostgreSQL: {info.postgres}",
            f"- command: `{info.command}` ({info.duration_s:.0f} s including stack start and stop)",
            "",
            latency_table(results),
            "",
            "CPU milliseconds per request:",
            "",
            cpu_table(results),
            *(["", "Errors:", "", *errors] if errors else []),
            "",
        ]
    )


COMPARISONS = "\n## Comparisons\n"


def kept_comparisons(previous: str) -> str:
    """The hand-kept section at the end of the old document (A/B runs of two commits, with the
    commands that made them), which a new run carries over unchanged."""
    at = previous.find(COMPARISONS)
    return previous[at:] if at >= 0 else ""


def document(info: RunInfo, results: Sequence[Result]) -> str:
    """docs/benchmarks.md up to its kept Comparisons section."""
    return f"{EXPLANATION}\n{latest_run(info, results)}"
