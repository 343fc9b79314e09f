"""PostgreSQL stops for 3 s while the stack runs (issue 10): the worker rides it out, mail
requested afterwards is delivered, and nothing acknowledged before the outage is lost."""

from __future__ import annotations

import time

import httpx
import pytest

from server.dev.devstack.postgres import EmbeddedPostgres
from server.dev.devstack.process import stop_process
from server.dev.devstack.stack import Stack
from tests.conftest import JWT_SECRET, VAR, shifted_ports
from tests.factories.auth import sign_in, sign_up, wait_for_mail
from tests.rest.client import bearer, call

PORTS = shifted_ports(http=28160, grpc=25160, admin=29160, smtp=21160)


@pytest.fixture(scope="module")
def outage_stack():
    """A whole stack on a PostgreSQL of its own, which the test may stop."""
    postgres = EmbeddedPostgres(VAR / "outage" / "pg")
    url = postgres.start()
    try:
        with (
            Stack(
                ports=PORTS,
                var_dir=VAR / "outage",
                database_url=url,
                sandbox=False,
                env={
                    "JWT_SECRET": JWT_SECRET,
                    "RATE_LIMIT_TRUSTED_CIDRS": "127.0.0.0/8",
                    # Heartbeats every second: /health sees a dead or new worker quickly.
                    "JOB_STALLED_AFTER_SECONDS": "4",
                },
                app_env="test",
            ) as running,
            httpx.Client(base_url=running.rest_url, timeout=30) as client,
        ):
            yield running, client, postgres
    finally:
        postgres.stop()


def _eventually(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (httpx.TransportError, AssertionError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.25)


def _health(client: httpx.Client) -> dict | None:
    response = client.get("/health")
    return response.json()["data"] if response.status_code == 200 else None


def test_the_worker_rides_out_a_database_restart(outage_stack):
    stack, client, postgres = outage_stack
    before = sign_up(client)  # acknowledged (201) before the outage
    assert _eventually(
        lambda: (_health(client) or {}).get("checks", {}).get("worker") == "up",
        timeout=30,
        what="a live worker",
    )

    postgres.stop(mode="immediate")
    down = client.get("/health")
    assert down.status_code == 503
    assert int(down.headers["retry-after"]) > 0
    time.sleep(3)
    postgres.start()

    _eventually(lambda: _health(client), timeout=30, what="the API back")
    # The worker noticed, and started again rather than exiting.
    _eventually(
        lambda: "worker ended; starting it again" in stack.log_path("worker").read_text(),
        timeout=30,
        what="a worker restart logged",
    )
    assert stack.pid("worker") is not None

    # Mail requested after the restart is delivered.
    call(client, "POST", "/api/v1/auth/forgot-password", 200, json={"email": before.email})
    assert wait_for_mail(stack.mail_dir, to=before.email, subject="Reset your password", timeout=60)
    # Nothing acknowledged before the outage is lost.
    session = sign_in(client, before.email, before.password)
    me = call(
        client, "GET", "/api/v1/auth/me", 200, headers=bearer(session["data"]["session"]["token"])
    )
    assert me["data"]["email"] == before.email
    health = _eventually(
        lambda: (h := _health(client)) and h["checks"]["worker"] == "up" and h,
        timeout=30,
        what="the worker reported up",
    )
    assert health["status"] == "ok"


def test_health_reports_a_missing_worker(outage_stack):
    stack, client, _ = outage_stack
    worker = stack.supervisor.forget("worker")  # stopped for good: no restart
    assert worker is not None
    stop_process(worker)
    health = _eventually(
        lambda: (h := _health(client)) and h["checks"]["worker"] == "down" and h,
        timeout=30,
        what="the worker reported down",
    )
    # The API still serves: 200, degraded, database up.
    assert health["status"] == "degraded" and health["checks"]["database"] == "up"
