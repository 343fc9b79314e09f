"""Prometheus metrics (issue 16, item 2): calls through Envoy, then the stack's metrics port.

The server serves `GET /metrics` on METRICS_PORT; the worker's samples (syncs, its breakers, its
pool) reach it through the stack's PROMETHEUS_MULTIPROC_DIR. Each test reads the endpoint before
and after its calls and checks what moved.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from server.dev.devstack.process import spawn, stop_process
from server.dev.devstack.readiness import wait_for
from server.platform.jobs import queues
from server.platform.metrics.exposition import SCRAPE_CACHE_S
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id
from tests.rest.banking.sandbox import enrollment, teller_token, wait_for_sync
from tests.rest.client import bearer, call
from tests.rest.crypto.test_sync import add, wait_for_status
from tests.rest.test_rate_limit import client_from, me

ME = "/fingate.auth.v1.AuthService/GetCurrentUser"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> tuple[httpx.Response, Samples]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return response, found


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def matching(samples: Samples, name: str, **labels: str) -> dict[frozenset, float]:
    """Every sample of `name` whose labels include `labels`."""
    want = set(labels.items())
    return {key: v for (n, key), v in samples.items() if n == name and want <= key}


def test_rpc_counts_errors_by_code_and_latency_histogram(stack, rest):
    _, before = scrape(stack.metrics_url)
    user = sign_up(rest)
    for _ in range(3):
        call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(user.token))
    call(rest, "GET", "/api/v1/auth/me", 401, headers=bearer("not-a-token"))
    response, after = scrape(stack.metrics_url)

    ok = value(after, "fingate_rpc_requests_total", method=ME, code="OK")
    assert ok - value(before, "fingate_rpc_requests_total", method=ME, code="OK") >= 3
    refused = value(after, "fingate_rpc_requests_total", method=ME, code="UNAUTHENTICATED")
    assert (
        refused - value(before, "fingate_rpc_requests_total", method=ME, code="UNAUTHENTICATED")
        >= 1
    )
    # The histogram: cumulative buckets ending in +Inf, which equals the count.
    buckets = sorted(
        (float(dict(key)["le"]), v)
        for key, v in matching(after, "fingate_rpc_duration_seconds_bucket", method=ME).items()
    )
    assert len(buckets) == 14 and buckets[-1][0] == float("inf")
    counts = [v for _, v in buckets]
    assert counts == sorted(counts) and counts[0] >= 0
    total = value(after, "fingate_rpc_duration_seconds_count", method=ME)
    assert counts[-1] == total >= ok + refused
    seconds = value(after, "fingate_rpc_duration_seconds_sum", method=ME)
    assert 0 < seconds < total * 10
    # Only bounded labels: no user id, token or path with an id anywhere.
    assert user.user["id"] not in response.text and user.token not in response.text
    methods = {dict(k)["method"] for k in matching(after, "fingate_rpc_requests_total")}
    assert all(m.startswith("/fingate.") and m.count("/") == 2 for m in methods), methods
    # Envoy's own stats are not here (they stay on its admin port).
    assert "envoy_" not in response.text


def test_queue_pool_and_circuit_gauges(stack, rest):
    _, samples = scrape(stack.metrics_url)
    for name in queues.ALL:
        for family in (
            "fingate_job_queue_depth",
            "fingate_job_queue_running",
            "fingate_job_queue_oldest_age_seconds",
        ):
            assert (family, frozenset({("queue", name)})) in samples, (family, name)
            assert samples[(family, frozenset({("queue", name)}))] >= 0
    # The server's pool (DB_POOL_SIZE 16) and the worker's (JOB_CONCURRENCY 4), each sampled
    # by its own process.
    assert value(samples, "fingate_db_pool_size", process="server") == 16
    assert value(samples, "fingate_db_pool_size", process="worker") == 4
    for process in ("server", "worker"):
        out = samples[("fingate_db_pool_checked_out", frozenset({("process", process)}))]
        overflow = value(samples, "fingate_db_pool_overflow", process=process)
        assert 0 <= out <= value(samples, "fingate_db_pool_size", process=process) + overflow
    # The crypto circuit every process shares, read from PostgreSQL at scrape time.
    left = samples[("fingate_provider_circuit_open_seconds", frozenset({("provider", "zerion")}))]
    assert left >= 0


# Two jobs of one lock: one the live worker "runs", one due behind it, which no worker may fetch
# while the first runs (procrastinate's lock). Their task is unknown to the worker.
_JOBS = text(
    """
    INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status, scheduled_at,
                                    worker_id)
    SELECT 'mail', :task, :lock, '{}', status::procrastinate_job_status,
           now() - interval '30 seconds',
           CASE WHEN status = 'doing' THEN (SELECT id FROM procrastinate_workers
                                             ORDER BY last_heartbeat DESC LIMIT 1) END
      FROM unnest(ARRAY['doing', 'todo']) AS status
    RETURNING id
    """
)


async def test_queue_depth_running_and_age_come_from_the_jobs_table(stack, db):
    _, before = scrape(stack.metrics_url)
    lock = f"metrics-test-{uuid.uuid4().hex}"
    async with db.transaction() as s:
        ids = (await s.execute(_JOBS, {"task": lock, "lock": lock})).scalars().all()
    try:
        await asyncio.sleep(SCRAPE_CACHE_S + 0.1)  # past the cache of the earlier scrape
        _, after = scrape(stack.metrics_url)
    finally:
        async with db.transaction() as s:
            await s.execute(
                text("DELETE FROM procrastinate_jobs WHERE id = ANY(:ids)"), {"ids": list(ids)}
            )
    for family in ("fingate_job_queue_depth", "fingate_job_queue_running"):
        grew = value(after, family, queue="mail") - value(before, family, queue="mail")
        assert grew >= 1, family
    # Waiting since it was deferred (its event), not since its earlier scheduled time.
    age = value(after, "fingate_job_queue_oldest_age_seconds", queue="mail")
    assert SCRAPE_CACHE_S <= age < 30


async def test_sync_provider_errors_and_breaker_state(stack, rest, db):
    _, before = scrape(stack.metrics_url)
    user = sign_up(rest)
    # A wallet sync in the worker: timed and counted per provider, its breaker a gauge.
    wid = add(rest, user.token, address="0x" + uuid.uuid4().hex + uuid.uuid4().hex[:8])
    # A bank connection's first sync, in the worker too.
    enr = enrollment(teller_token())
    body = {"enrollment": enr}
    offered = call(
        rest, "POST", "/api/v1/banking/preview", 200, json=body, headers=bearer(user.token)
    )
    ids = [a["id"] for a in offered["data"]["accounts"]]
    body = {"enrollment": enr, "selectedAccountIds": ids}
    call(rest, "POST", "/api/v1/banking/connect", 201, json=body, headers=bearer(user.token))
    async with db.transaction() as s:
        connection_id = await s.scalar(
            text("SELECT id FROM bank_connections WHERE organization_id = :o"),
            {"o": uuid.UUID(personal_org_id(rest, user.token))},
        )
    assert await wait_for_sync(db, str(connection_id)) == "SUCCESS"
    wallet = wait_for_status(rest, user.token, wid, "completed", "failed")
    assert wallet["syncStatus"] == "completed", wallet
    # A token Teller refuses: the error table counts it under teller.
    body = {"enrollment": enrollment("live_token_x")}
    call(rest, "POST", "/api/v1/banking/preview", 400, json=body, headers=bearer(user.token))
    _, after = scrape(stack.metrics_url)

    bank = {"kind": "bank", "provider": "teller", "outcome": "ok"}
    runs = value(after, "fingate_sync_duration_seconds_count", **bank)
    assert runs - value(before, "fingate_sync_duration_seconds_count", **bank) >= 1
    rows = value(after, "fingate_sync_rows_total", kind="bank", provider="teller")
    assert rows - value(before, "fingate_sync_rows_total", kind="bank", provider="teller") >= 2
    labels = {"kind": "crypto", "provider": "zerion", "outcome": "ok"}
    runs = value(after, "fingate_sync_duration_seconds_count", **labels)
    assert runs - value(before, "fingate_sync_duration_seconds_count", **labels) >= 1
    assert value(after, "fingate_sync_duration_seconds_sum", **labels) > 0
    rows = value(after, "fingate_sync_rows_total", kind="crypto", provider="zerion")
    assert rows - value(before, "fingate_sync_rows_total", kind="crypto", provider="zerion") >= 3
    refused = {"provider": "teller", "kind": "invalid_input"}
    assert (
        value(after, "fingate_provider_errors_total", **refused)
        - value(before, "fingate_provider_errors_total", **refused)
        >= 1
    )
    state = after[("fingate_circuit_breaker_state", frozenset({("provider", "zerion")}))]
    assert state in (0, 1, 2)


def test_a_rate_limit_refusal_is_counted(rate_stack, rest):
    _, before = scrape(rate_stack.metrics_url)
    user = sign_up(rest)
    with client_from(rate_stack, "127.0.0.91") as client:
        codes = [me(client, user.token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    _, after = scrape(rate_stack.metrics_url)
    counted = value(after, "fingate_rate_limit_refusals_total", rate_class="GENERAL")
    assert counted - value(before, "fingate_rate_limit_refusals_total", rate_class="GENERAL") == 1
    refused = value(after, "fingate_rpc_requests_total", method=ME, code="RESOURCE_EXHAUSTED")
    assert refused >= 1


def test_anything_but_metrics_is_404(stack):
    response = httpx.get(stack.metrics_url.replace("/metrics", "/other"), timeout=10)
    assert response.status_code == 404


def test_a_worker_in_a_pod_of_its_own_serves_its_samples_and_the_queues(stack, tmp_path):
    """As in Kubernetes: a worker with METRICS_PORT and no server beside it (the dev stack
    gives its workers 0, the server's endpoint covering them)."""
    port = stack.ports.metrics + 50
    # The session worker's settings (its jobs are as safe here), its own samples only.
    env = {**stack.service_env(), "METRICS_PORT": str(port)}
    env.pop("PROMETHEUS_MULTIPROC_DIR")
    log_path = tmp_path / "worker.log"
    proc = spawn([sys.executable, "-m", "server.worker"], log_path=log_path, env=env)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        wait_for(
            lambda: _answers(url), what="worker metrics", timeout=60, proc=proc, log_path=log_path
        )
        _, samples = scrape(url)
    finally:
        stop_process(proc)
    assert value(samples, "fingate_db_pool_size", process="worker") > 0
    assert value(samples, "fingate_db_pool_size", process="server") == 0
    assert matching(samples, "fingate_job_queue_depth")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
