"""A child of the stack killed with SIGKILL is started again by the supervisor (issue 10)."""

from __future__ import annotations

import logging
import os
import signal
import time

import httpx
import pytest

from server.dev.devstack.readiness import last_worker_id, worker_registered
from server.dev.devstack.stack import Stack
from server.platform.jobs.conninfo import psycopg_conninfo
from tests.conftest import JWT_SECRET, VAR, shifted_ports
from tests.factories.auth import sign_up
from tests.rest.client import bearer, call

# Mail goes to the session stack's SMTP sink: this worker sweeps the same outbox.
PORTS = shifted_ports(http=28140, grpc=25140, admin=29140, smtp=21025)


@pytest.fixture(scope="module")
def supervised(stack):
    """Server, worker and Envoy of their own on the session's database (mail: the session's
    SMTP sink, like every stack sharing that outbox)."""
    with (
        Stack(
            ports=PORTS,
            var_dir=VAR / "supervised",
            database_url=stack.database_url,
            run_migrations=False,
            sandbox=False,
            smtp=False,
            env={"JWT_SECRET": JWT_SECRET, "RATE_LIMIT_TRUSTED_CIDRS": "127.0.0.0/8"},
            app_env="test",
        ) as running,
        httpx.Client(base_url=running.rest_url, timeout=30) as client,
    ):
        yield running, client


def _wait_for_new_pid(stack: Stack, name: str, old: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = stack.pid(name)
        if pid is not None and pid != old:
            return pid
        time.sleep(0.1)
    raise AssertionError(f"{name} was not restarted")


def _until_ok(client: httpx.Client, path: str, timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = client.get(path)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not come back")
        time.sleep(0.2)


def test_a_killed_server_is_restarted_and_envoy_serves_again(supervised, caplog):
    caplog.set_level(logging.WARNING, logger="fingate.devstack")
    stack, client = supervised
    old = stack.pid("server")
    assert old is not None
    os.kill(old, signal.SIGKILL)
    _wait_for_new_pid(stack, "server", old)
    _until_ok(client, "/health")
    account = sign_up(client)
    me = call(client, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["email"] == account.email
    # One log line when it died, one when it was started again.
    assert "server exited with code -9" in caplog.text
    assert "server restarted" in caplog.text


def test_a_killed_worker_is_restarted_and_registers_again(supervised):
    stack, _ = supervised
    conninfo = psycopg_conninfo(stack.database_url)
    before = last_worker_id(conninfo)
    old = stack.pid("worker")
    assert old is not None
    os.kill(old, signal.SIGKILL)
    _wait_for_new_pid(stack, "worker", old)
    deadline = time.monotonic() + 30
    while not worker_registered(conninfo, after_id=before):
        assert time.monotonic() < deadline, "the restarted worker never registered"
        time.sleep(0.2)
    # The new life logs its start after the old one's lines: the log was kept for the post-mortem.
    assert stack.log_path("worker").read_text().count('"worker started"') == 2


def test_a_killed_envoy_is_restarted(supervised):
    stack, client = supervised
    old = stack.pid("envoy")
    assert old is not None
    os.kill(old, signal.SIGKILL)
    _wait_for_new_pid(stack, "envoy", old)
    _until_ok(client, "/health")
