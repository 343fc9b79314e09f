"""The Prometheus families every process writes (prometheus-client, multiprocess mode).

With PROMETHEUS_MULTIPROC_DIR set (before this module is imported: `make run` and the test
stacks set it for the server and the worker), every process writes its samples to memory-mapped
files in that directory and one endpoint (server/platform/metrics/exposition.py) adds them up:
counters and histograms sum over every process that ever wrote (a restarted process keeps its
predecessor's counts), gauges take their `multiprocess_mode` over live processes. Without it the
samples stay in process memory and the endpoint shows its own process only.

Labels are bounded sets only: contract method paths, gRPC status codes, rate-limit classes,
provider and queue names, process roles. Never a user or organization id, a token or a URL.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

# Seconds; a request answered from memory takes under a millisecond, a provider call seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
SYNC_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

RPC_REQUESTS = Counter(
    "fingate_rpc_requests",
    "Finished fingate RPCs by method and final gRPC status code (every code but OK is an error).",
    ["method", "code"],
)
RPC_DURATION = Histogram(
    "fingate_rpc_duration_seconds",
    "Time from the first interceptor to the final status, by method.",
    ["method"],
    buckets=LATENCY_BUCKETS,
)
RATE_LIMIT_REFUSALS = Counter(
    "fingate_rate_limit_refusals",
    "Calls refused with 429 by the rate-limit interceptor, by rate class.",
    ["rate_class"],
)
DB_POOL_CHECKED_OUT = Gauge(
    "fingate_db_pool_checked_out",
    "Database connections checked out of the SQLAlchemy pools, summed over live processes.",
    ["process"],
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "fingate_db_pool_size",
    "Configured pool size (without overflow), summed over live processes.",
    ["process"],
    multiprocess_mode="livesum",
)
DB_POOL_OVERFLOW = Gauge(
    "fingate_db_pool_overflow",
    "Connections open beyond the pool size, summed over live processes.",
    ["process"],
    multiprocess_mode="livesum",
)
SYNC_DURATION = Histogram(
    "fingate_sync_duration_seconds",
    "Duration of one provider sync, by sync kind (bank, crypto, app), provider and outcome.",
    ["kind", "provider", "outcome"],
    buckets=SYNC_BUCKETS,
)
SYNC_ROWS = Counter(
    "fingate_sync_rows",
    "Rows a sync received from the provider (accounts, transactions, positions, records).",
    ["kind", "provider"],
)
PROVIDER_ERRORS = Counter(
    "fingate_provider_errors",
    "Provider failures as the error table classifies them, by provider and kind.",
    ["provider", "kind"],
)
BREAKER_STATE = Gauge(
    "fingate_circuit_breaker_state",
    "A provider circuit breaker: 0 closed, 1 half-open, 2 open; the worst of the live processes.",
    ["provider"],
    multiprocess_mode="livemax",
)

BREAKER_STATES = {"closed": 0.0, "half-opened": 1.0, "opened": 2.0}
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def provider_label(name: str) -> str:
    """A provider's label: the service name before any `:` (breaker names carry base URLs and
    account ids after it), lower case; `other` for anything that is not a short plain name."""
    head = name.split(":", 1)[0].strip().lower()
    return head if _NAME.fullmatch(head) else "other"


def observe_sync(kind: str, provider: str, *, outcome: str, seconds: float, rows: int) -> None:
    """One finished sync of `kind` (bank, crypto, app) at `provider`."""
    label = provider_label(provider)
    SYNC_DURATION.labels(kind, label, outcome).observe(seconds)
    if rows:
        SYNC_ROWS.labels(kind, label).inc(rows)


def breaker_listener(name: str, event_type: str, event: object) -> None:
    """purgatory's hook (AsyncCircuitBreakerFactory.add_listener): a breaker's state as a gauge
    from its creation on."""
    if event_type == "circuit_breaker_created":
        BREAKER_STATE.labels(provider_label(name)).set(0.0)
    elif event_type == "state_changed":
        state = BREAKER_STATES.get(str(getattr(event, "state", "")))
        if state is not None:
            BREAKER_STATE.labels(provider_label(name)).set(state)
