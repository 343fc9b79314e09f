"""Two server processes behind one Envoy (SERVER_PROCESSES=2): Envoy takes them in turn, so
consecutive calls of one client land on different processes, and what one process counted,
cached or dropped holds for the other (the stack's own Redis, RATE_ENV's tiny limits); killing
one leaves the other serving. `make test` also runs the tenancy and cache tests against two
processes (FINGATE_TEST_SERVER_PROCESSES=2, tests/conftest.py)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import replace

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from fingate.system.v1 import system_service_pb2 as system_pb
from fingate.system.v1 import system_service_pb2_grpc
from server.dev.devstack.stack import Stack
from tests.conftest import VAR, rate_limited_stack, shifted_ports
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id
from tests.rest.accounts.helpers import cached_then_fresh
from tests.rest.client import bearer

PORTS = shifted_ports(http=28220, grpc=25220, admin=29220, smtp=21025)


@pytest.fixture(scope="module")
def two(stack) -> Iterator:
    with rate_limited_stack(
        PORTS, "two-processes", stack.database_url, envoy=True, server_processes=2
    ) as running:
        yield running


@pytest.fixture
def client(two) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=two.rest_url, timeout=30) as c:
        yield c


def calls_per_process(two) -> dict[str, int]:
    """Envoy's count of calls sent to each server process, by its own port."""
    counts = {}
    for line in httpx.get(f"{two.admin_url}/clusters", timeout=10).text.splitlines():
        cluster, _, rest = line.partition("::")
        parts = rest.split("::")
        if cluster == "fingate_grpc" and len(parts) == 3 and parts[1] == "rq_total":
            counts[parts[0]] = int(parts[2])
    return counts


def test_each_process_listens_on_the_shared_port_and_one_of_its_own(two):
    assert two.server_names == ["server", "server-2"]
    assert two.process_ports == [PORTS.process_grpc, PORTS.process_grpc + 1]
    pids = {two.pid(name) for name in two.server_names}
    assert None not in pids and len(pids) == 2
    for port in [PORTS.grpc, *two.process_ports]:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = system_service_pb2_grpc.SystemServiceStub(ch)
            assert stub.GetHealth(system_pb.GetHealthRequest(), timeout=10).data.status == "ok"


def test_consecutive_calls_alternate_between_the_processes(two, client):
    before = calls_per_process(two)
    for _ in range(6):
        assert client.get("/health").status_code == 200
    after = calls_per_process(two)
    assert sorted(after) == sorted(f"127.0.0.1:{p}" for p in two.process_ports)
    assert {address: after[address] - before.get(address, 0) for address in after} == {
        address: 3 for address in after
    }


def test_a_limit_counts_the_calls_of_both_processes(rest, client):
    user = sign_up(rest)
    responses = [client.get("/api/v1/auth/me", headers=bearer(user.token)) for _ in range(4)]
    # GENERAL: 3 per hour for FREE, over calls that alternated between the two processes.
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]


async def test_a_cached_read_and_its_invalidation_reach_both_processes(rest, client, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    # Consecutive calls alternate: the second read is the other process's, answered from the
    # entry the first one stored, and the disconnect drops it for both.
    first, cached, fresh = await cached_then_fresh(client, db, user.token, org, user.user["id"])
    assert first["total_balance_by_currency"] == {"USD": "10.00"}
    assert cached == first
    assert fresh["total_balance_by_currency"] == {"USD": "20.00"}


def test_the_metrics_endpoint_adds_up_both_processes(two, client):
    for _ in range(4):
        assert client.get("/health").status_code == 200
    text = httpx.get(two.metrics_url, timeout=10).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    pool = [s.value for s in families["fingate_db_pool_size"].samples]
    # Both live processes' pools (DB_POOL_SIZE, 16 by default), summed.
    assert sum(pool) == 2 * 16
    health = [
        s.value
        for s in families["fingate_rpc_requests"].samples
        if s.name == "fingate_rpc_requests_total"
        and s.labels.get("method") == "/fingate.system.v1.SystemService/GetHealth"
    ]
    assert sum(health) >= 10


def test_killing_one_process_leaves_the_other_serving(two, client, rest):
    user = sign_up(rest)
    # Not restarted: the survivor alone must carry every call.
    two.supervisor.forget("server-2")
    pid = two.pid("server-2")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while two.pid("server-2") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert two.pid("server-2") is None
    statuses = [client.get("/health").status_code for _ in range(10)]
    statuses.append(client.get("/api/v1/auth/me", headers=bearer(user.token)).status_code)
    assert statuses == [200] * 11
    with grpc.insecure_channel(two.grpc_target) as ch:
        stub = system_service_pb2_grpc.SystemServiceStub(ch)
        assert stub.GetHealth(system_pb.GetHealthRequest(), timeout=10).data.status == "ok"


def test_worker_processes_each_register_with_the_queue(stack):
    """WORKER_PROCESSES=2 on the session's database, with the session's sandbox and SMTP sink
    (any session job they take runs as the session's worker would run it)."""
    ports = replace(PORTS, http=28230, sandbox=stack.ports.sandbox, metrics=29614)
    with Stack(
        ports=ports,
        var_dir=VAR / "two-workers",
        database_url=stack.database_url,
        run_migrations=False,
        smtp=False,
        sandbox=False,
        server=False,
        envoy=False,
        env=stack.env,
        app_env="test",
        worker_processes=2,
    ) as workers:
        # start() waited for each to register in procrastinate_workers, one after the other.
        pids = [workers.pid(name) for name in workers.worker_names]
        assert workers.worker_names == ["worker", "worker-2"]
        assert None not in pids and len(set(pids)) == 2
    assert all(workers.pid(name) is None for name in workers.worker_names)
