"""The Prometheus side of metrics: labels, the error table's counts, breakers, the scrape-time
cache, the endpoint and the multiprocess sums (prometheus-client's files, real processes)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import grpc
import httpx
import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from server.app import SERVICE_MODULES
from server.platform import config
from server.platform.contract.registry import Registry
from server.platform.db.database import Database
from server.platform.interceptors.metrics import MetricsInterceptor
from server.platform.metrics.exposition import MetricsEndpoint, ScrapeTimeCollector
from server.platform.metrics.prometheus import provider_label
from server.platform.metrics.recorder import RequestMetrics
from server.providers import errors
from server.providers.apps.resilience import Resilience, Transient
from server.providers.apps.types import AppUnavailable
from server.providers.zerion import CircuitOpen, PortfolioUnavailable, ZerionClient
from tests.secrets import make_settings

NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("zerion", "zerion"),
        ("PLAID", "plaid"),
        ("ACH:https://rail.example/v1:acct_123", "ach"),
        ("TELLER:http://127.0.0.1:8090/teller", "teller"),
        ("quickbooks", "quickbooks"),
        ("", "other"),
        ("/users/8c1e0b2a/accounts", "other"),
        ("x" * 40, "other"),
        ("a b", "other"),
    ],
)
def test_provider_labels_are_short_plain_names(name, label):
    assert provider_label(name) == label


def test_the_interceptor_counts_by_method_and_code_and_times_each_call():
    registry = Registry.from_modules(SERVICE_MODULES)
    interceptor = MetricsInterceptor(registry, RequestMetrics(Database(NOWHERE), flush_s=5))
    path = "/fingate.budgets.v1.BudgetService/ListBudgets"
    ok = {"method": path, "code": "OK"}
    missing = {"method": path, "code": "NOT_FOUND"}
    before = (
        sample("fingate_rpc_requests_total", **ok),
        sample("fingate_rpc_requests_total", **missing),
        sample("fingate_rpc_duration_seconds_count", method=path),
        sample("fingate_rpc_duration_seconds_bucket", method=path, le="0.005"),
    )
    interceptor.observe(path, grpc.StatusCode.OK, 0.004)
    interceptor.observe(path, grpc.StatusCode.OK, 0.2)
    interceptor.observe(path, grpc.StatusCode.NOT_FOUND, 0.001)
    after = (
        sample("fingate_rpc_requests_total", **ok),
        sample("fingate_rpc_requests_total", **missing),
        sample("fingate_rpc_duration_seconds_count", method=path),
        sample("fingate_rpc_duration_seconds_bucket", method=path, le="0.005"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 3, 2]
    assert interceptor.applies(registry.get(path))
    assert not interceptor.applies(registry.get("/grpc.health.v1.Health/Check"))


async def test_a_zerion_failure_is_counted_once_and_its_breaker_opens():
    """A real client against a closed port: the failure counts once under zerion, however
    often it is classified, and the breaker's gauge goes from closed to open."""
    client = ZerionClient(
        "http://127.0.0.1:1",
        "key",
        timeout_s=0.5,
        breaker_threshold=1,
        breaker_open_s=60,
        backoff_initial_s=0.001,
        backoff_max_s=0.002,
    )
    outage = {"provider": "zerion", "kind": "outage"}
    before = sample("fingate_provider_errors_total", **outage)
    try:
        with pytest.raises(CircuitOpen) as first:
            await client.positions("0xabc", "ethereum")
        assert sample("fingate_circuit_breaker_state", provider="zerion") == 2
        errors.classify(first.value)
        errors.translate(first.value, field="address")
        assert sample("fingate_provider_errors_total", **outage) == before + 1
        with pytest.raises(CircuitOpen) as second:
            await client.positions("0xabc", "ethereum")
        errors.classify(second.value)
        assert sample("fingate_provider_errors_total", **outage) == before + 2
    finally:
        await client.close()


def test_an_error_raised_outside_any_adapter_is_other():
    error = PortfolioUnavailable("made here")
    assert errors.provider_of(error) == "other"
    try:
        raise error
    except PortfolioUnavailable as raised:
        assert errors.provider_of(raised) == "other"  # raised by this test, not an adapter


async def test_the_shared_resilience_names_the_service_not_its_key():
    resilience = Resilience(make_settings(PROVIDER_BREAKER_THRESHOLD="2"))
    resilience.backoff = (0.001, 0.002)

    async def attempt() -> None:
        raise Transient("HTTP 503")

    service = "slack:https://slack.example/api:T0123SECRET"
    with pytest.raises(AppUnavailable) as failed:
        await resilience.call(service, attempt)
    assert errors.provider_of(failed.value) == "slack"
    assert sample("fingate_circuit_breaker_state", provider="slack") == 0
    with pytest.raises(AppUnavailable):
        await resilience.call(service, attempt)
    assert sample("fingate_circuit_breaker_state", provider="slack") == 2
    exposition = "\n".join(f"{s.name}{s.labels}" for m in REGISTRY.collect() for s in m.samples)
    assert "T0123SECRET" not in exposition and "slack.example" not in exposition


async def test_scrape_time_families_are_cached_and_a_failing_reader_is_left_out():
    reads = []

    async def queue_like() -> list[Metric]:
        reads.append(1)
        family = GaugeMetricFamily("fingate_test_reads", "reads so far", labels=["queue"])
        family.add_metric(["mail"], len(reads))
        return [family]

    async def broken() -> list[Metric]:
        raise OSError("database down")

    collector = ScrapeTimeCollector([queue_like, broken], ttl_s=0.2)
    await asyncio.gather(collector.refresh(), collector.refresh())
    await collector.refresh()
    assert len(reads) == 1
    assert [s.value for m in collector.collect() for s in m.samples] == [1]
    await asyncio.sleep(0.25)
    await collector.refresh()
    assert [s.value for m in collector.collect() for s in m.samples] == [2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_endpoint_answers_metrics_and_404_otherwise():
    async def one() -> list[Metric]:
        family = GaugeMetricFamily("fingate_test_endpoint", "a family", labels=["queue"])
        family.add_metric(["mail"], 7)
        return [family]

    port = _free_port()
    endpoint = MetricsEndpoint("127.0.0.1", port, ScrapeTimeCollector([one]))
    await endpoint.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            found = await client.get("/metrics")
            head = await client.head("/metrics")
            other = await client.get("/")
    finally:
        await endpoint.stop()
    assert found.status_code == 200
    assert found.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert 'fingate_test_endpoint{queue="mail"} 7.0' in found.text
    # This process has no multiprocess directory: its own registry is shown.
    assert "fingate_rpc_requests_total" in found.text or "fingate_rpc_requests" in found.text
    assert head.status_code == 200 and head.content == b""
    assert other.status_code == 404


_WRITER = textwrap.dedent(
    """
    import json, os, sys
    from server.platform.metrics import prometheus as p
    p.RPC_REQUESTS.labels("/fingate.x.v1.S/M", "OK").inc(int(sys.argv[1]))
    p.RPC_DURATION.labels("/fingate.x.v1.S/M").observe(0.003)
    p.DB_POOL_CHECKED_OUT.labels(sys.argv[2]).set(int(sys.argv[1]))
    p.BREAKER_STATE.labels("zerion").set(float(sys.argv[3]))
    print(json.dumps(os.getpid()))
    """
)


def _write(directory: Path, *args: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _WRITER, *args],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(json.loads(done.stdout))


def _sums(directory: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for m in registry.collect()
        for s in m.samples
    }


def test_processes_sum_counters_and_live_gauges_and_a_dead_one_leaves_its_gauges(tmp_path):
    first = _write(tmp_path, "3", "server", "0")
    second = _write(tmp_path, "4", "server", "2")
    _write(tmp_path, "2", "worker", "1")
    method = (("code", "OK"), ("method", "/fingate.x.v1.S/M"))
    sums = _sums(tmp_path)
    assert sums[("fingate_rpc_requests_total", method)] == 9
    assert sums[("fingate_rpc_duration_seconds_count", (("method", "/fingate.x.v1.S/M"),))] == 3
    assert sums[("fingate_db_pool_checked_out", (("process", "server"),))] == 7
    assert sums[("fingate_db_pool_checked_out", (("process", "worker"),))] == 2
    assert sums[("fingate_circuit_breaker_state", (("provider", "zerion"),))] == 2
    # The process whose breaker is open is gone: its gauges go, its counts stay.
    mark_process_dead(second, str(tmp_path))
    sums = _sums(tmp_path)
    assert sums[("fingate_rpc_requests_total", method)] == 9
    assert sums[("fingate_db_pool_checked_out", (("process", "server"),))] == 3
    assert sums[("fingate_circuit_breaker_state", (("provider", "zerion"),))] == 1
    assert first != second


def test_metrics_settings():
    settings = config.load({})
    assert (settings.metrics_port, settings.prometheus_multiproc_dir) == (9464, None)
    assert config.load({"METRICS_PORT": "0"}).metrics_port == 0
    with pytest.raises(config.ConfigError, match="METRICS_PORT"):
        config.load({"METRICS_PORT": "70000"})
    with pytest.raises(config.ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        config.load({"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/fingate-metrics"})
