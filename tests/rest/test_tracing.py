"""Traces (OpenTelemetry): a stack of its own exporting to an OTLP collector in this process.

One REST request is one trace: Envoy's span (service fingate-envoy), the server's gRPC span as
its child, and under that the statements and provider calls, every server span carrying the
request id the response names, and no password, token, OAuth code or JWT secret anywhere.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.dev.devstack.stack import Ports, Stack
from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from server.platform.tracing.provider import REQUEST_ID
from tests.conftest import VAR
from tests.factories.app_connections import authorize, connection_row, follow
from tests.factories.auth import sign_in, sign_up
from tests.otlp_collector import Collector, Received, otlp_collector
from tests.rest.client import bearer
from tests.secrets import JWT_SECRET

ENVOY, SERVER = "fingate-envoy", "fingate-server"
# Attributes that name a URL, by the conventions Envoy and the instrumentations use.
URL_KEYS = ("http.url", "url.full", "http.target", "url.path")


def free_ports(count: int) -> list[int]:
    """Ports no socket holds now, as the kernel hands them out. Fixed ports of a shifted suite
    fall in the ephemeral range, where the suite's own client connections land on them now and
    then (a listener then fails to bind); the kernel's picks are free, and seldom taken again
    within the stack's start-up."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


@pytest.fixture(scope="module")
def traced(stack) -> Iterator[tuple[Stack, Collector]]:
    with otlp_collector() as (endpoint, collector):
        env = {
            "JWT_SECRET": JWT_SECRET,
            "LOG_LEVEL": "INFO",
            "REDIS_URL": "",
            "RATE_LIMIT_TRUSTED_CIDRS": "127.0.0.0/8",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            # Batches every 100 ms, not every 5 s: the test waits for them.
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        http, grpc, admin, sandbox, metrics = free_ports(5)
        # The session's SMTP sink: this server sweeps the same outbox.
        ports = Ports(
            http=http,
            grpc=grpc,
            admin=admin,
            smtp=stack.ports.smtp,
            sandbox=sandbox,
            metrics=metrics,
        )
        with Stack(
            ports=ports,
            var_dir=VAR / "tracing",
            database_url=stack.database_url,
            run_migrations=False,
            smtp=False,
            worker=False,
            env=env,
            app_env="test",
        ) as running:
            yield running, collector


@pytest.fixture(scope="module")
def client(traced) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=traced[0].rest_url, timeout=30) as c:
        yield c


def one_trace(collector: Collector, request_id: str) -> list[Received]:
    """Every span of the trace Envoy started for the request `request_id` (x-request-id)."""

    def complete(spans: list[Received]) -> bool:
        edge = [s for s in spans if s.attributes.get("guid:x-request-id") == request_id]
        if not edge:
            return False
        ours = [s for s in spans if s.trace_id == edge[0].trace_id]
        return any(s.service == SERVER and s.span.kind == s.span.SPAN_KIND_SERVER for s in ours)

    spans = collector.wait_for(complete)
    edge = next(s for s in spans if s.attributes.get("guid:x-request-id") == request_id)
    return [s for s in spans if s.trace_id == edge.trace_id]


def describe(spans: list[Received]) -> str:
    return "\n".join(f"{s.service} {s.span.name} {s.attributes}" for s in spans)


def assert_one_request(spans: list[Received], request_id: str) -> dict[str, Any]:
    """Envoy's span over the server's, the rest under the server's; the request id on each of
    the server's. Returns the spans by role."""
    edge = [s for s in spans if s.service == ENVOY]
    assert len(edge) == 1, describe(spans)
    assert edge[0].parent_id == ""  # the trace starts at Envoy
    served = [s for s in spans if s.service == SERVER and s.span.kind == s.span.SPAN_KIND_SERVER]
    assert len(served) == 1, describe(spans)
    assert served[0].parent_id == edge[0].span_id, describe(spans)
    server_side = [s for s in spans if s.service == SERVER]
    by_id = {s.span_id: s for s in spans}
    for span in server_side:
        assert span.attributes.get(REQUEST_ID) == request_id, describe([span])
        # Each descends from the gRPC span.
        ancestor = span
        while ancestor.span_id != served[0].span_id:
            assert ancestor.parent_id in by_id, describe([span])
            ancestor = by_id[ancestor.parent_id]
    statements = [s for s in server_side if s.attributes.get("db.system") == "postgresql"]
    calls = [s for s in server_side if any(k in s.attributes for k in ("http.url", "url.full"))]
    return {"edge": edge[0], "server": served[0], "statements": statements, "calls": calls}


def assert_nothing_secret(spans: list[Received], secrets: list[str]) -> None:
    for span in spans:
        for text in span.texts():
            for secret in secrets:
                assert secret not in text, (span.service, span.span.name, text)
        for key in URL_KEYS:
            value = span.attributes.get(key)
            assert value is None or "?" not in str(value), (span.service, key, value)


def test_rest_request__one_trace_from_envoy_to_the_statements(traced, client):
    _, collector = traced
    user = sign_up(client, email=f"trace-{uuid.uuid4().hex[:12]}@example.com")
    session = sign_in(client, user.email, user.password)["data"]["session"]
    response = client.get("/api/v1/auth/me", headers=bearer(session["token"]))
    assert response.status_code == 200, response.text
    request_id = response.headers["x-request-id"]

    spans = one_trace(collector, request_id)
    found = assert_one_request(spans, request_id)
    assert found["edge"].attributes["http.url"].endswith("/api/v1/auth/me"), describe(spans)
    assert found["server"].span.name == "/fingate.auth.v1.AuthService/GetCurrentUser"
    # The session check (compiled, on the driver) and the user's read (SQLAlchemy).
    assert len(found["statements"]) >= 2, describe(spans)
    for statement in found["statements"]:
        assert statement.attributes["db.statement"], describe([statement])
    everything = collector.spans()
    assert_nothing_secret(everything, [user.password, session["token"], user.token, JWT_SECRET])
    # The stack's readiness probes (grpc.health.v1) are not requests: no trace.
    assert not any(s.span.name.startswith("/grpc.health.") for s in everything)


async def test_oauth_callback__provider_calls_traced_without_code_or_token(traced, client, db):
    _, collector = traced
    user = sign_up(client)
    started = authorize(client, user.token, "stripe")
    back = follow(started["authUrl"])
    response = client.get(
        "/api/integrations/oauth/stripe/callback", params=back.query, headers=bearer(user.token)
    )
    assert response.status_code == 200, response.text
    request_id = response.headers["x-request-id"]

    spans = one_trace(collector, request_id)
    found = assert_one_request(spans, request_id)
    # Envoy's http.url is the path filter.lua redacted: the code and state were in its query.
    assert found["edge"].attributes["http.url"].endswith("/api/integrations/oauth/stripe/callback")
    # The code exchange with the provider, over httpx, inside the call.
    assert any("/oauth/token" in str(s.attributes) for s in found["calls"]), describe(spans)
    row = await connection_row(db, response.json()["connectionId"])
    access_token = Vault((DEV_ENCRYPTION_KEY,)).unseal(row.access_token)
    assert_nothing_secret(
        collector.spans(),
        [back.query["code"], back.query["state"], user.token, access_token, JWT_SECRET],
    )
