"""The tracer provider's set-up: nothing at all without an endpoint; roots only at requests and
jobs; the request id on every span of a call; one span per job."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from opentelemetry.trace import SpanKind

from server.platform import config
from server.platform.context import request_id_var
from server.platform.tracing import provider as tracing
from tests.secrets import make_settings


def test_off_without_endpoint__nothing_installed():
    assert tracing.setup(make_settings(), service="fingate-server") is None
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    assert tracing.server_interceptors() == []
    assert tracing.job_middleware() == []
    for instrumentor in (AsyncPGInstrumentor(), HTTPXClientInstrumentor(), URLLib3Instrumentor()):
        assert not instrumentor.is_instrumented_by_opentelemetry
    tracing.tag_request_id("abc")  # no provider: nothing to tag, nothing raised
    tracing.shutdown()


def test_settings():
    settings = make_settings(
        OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4317/",
        OTEL_EXPORTER_OTLP_PROTOCOL="HTTP/protobuf",
        OTEL_SERVICE_NAME="fingate-api",
    )
    assert settings.otel_endpoint == "http://collector:4317"
    assert settings.otel_protocol == "http/protobuf"
    assert settings.otel_service_name == "fingate-api"
    assert make_settings().otel_endpoint == "" and make_settings().otel_protocol == "grpc"
    with pytest.raises(config.ConfigError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        make_settings(OTEL_EXPORTER_OTLP_ENDPOINT="collector:4317")
    with pytest.raises(config.ConfigError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        make_settings(OTEL_EXPORTER_OTLP_PROTOCOL="http/json")


def _local(monkeypatch) -> tuple[TracerProvider, InMemorySpanExporter]:
    """A provider of this test's own (the global one stays unset), as setup() builds it."""
    exported = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(root=tracing.RequestsAndJobs()))
    provider.add_span_processor(tracing.RequestIdProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exported))
    monkeypatch.setattr(tracing, "_provider", provider)
    return provider, exported


def test_roots_only_at_requests_and_jobs(monkeypatch):
    provider, exported = _local(monkeypatch)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT):
        pass  # a statement outside any call: the metrics flush, a LISTEN
    with tracer.start_as_current_span("/svc/Method", kind=SpanKind.SERVER):
        with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT):
            pass
    assert [(s.name, s.kind) for s in exported.get_finished_spans()] == [
        ("SELECT", SpanKind.CLIENT),
        ("/svc/Method", SpanKind.SERVER),
    ]


def test_request_id_on_the_call_span_and_every_span_within(monkeypatch):
    provider, exported = _local(monkeypatch)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("/svc/Method", kind=SpanKind.SERVER):
        # The request-id interceptor runs inside the call's span and tags it.
        token = request_id_var.set("req-12345678")
        try:
            tracing.tag_request_id("req-12345678")
            with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT):
                pass
        finally:
            request_id_var.reset(token)
    spans = exported.get_finished_spans()
    assert [s.attributes.get(tracing.REQUEST_ID) for s in spans] == ["req-12345678"] * 2


def test_job_middleware__one_consumer_span_per_job(monkeypatch):
    _, exported = _local(monkeypatch)
    (middleware,) = tracing.job_middleware()
    job = SimpleNamespace(task_name="mail.deliver", queue="mail", id=42, attempts=0)

    async def run() -> str:
        return "done"

    assert asyncio.run(middleware(run, SimpleNamespace(job=job), None)) == "done"
    (span,) = exported.get_finished_spans()
    assert span.name == "job mail.deliver" and span.kind == SpanKind.CONSUMER
    assert span.attributes["messaging.message.id"] == "42"
    assert span.attributes["fingate.job.attempt"] == 1
