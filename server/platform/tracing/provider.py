"""The process's tracer provider: set up from Settings, or nothing at all.

With OTEL_EXPORTER_OTLP_ENDPOINT unset, `setup` returns None and changes nothing: no provider,
no instrumentation, no interceptor, so a call pays for none of it. Set, a trace starts at each
gRPC call (a child of Envoy's span when Envoy sent `traceparent`) or job, and holds its
statements (asyncpg, under SQLAlchemy or not) and provider calls (httpx; urllib3 for Plaid).
Every span of a call carries its request id; redaction.py decides what leaves the process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from server.platform.config import Settings
from server.platform.context import request_id_var
from server.platform.tracing.redaction import RedactingProcessor

# The request id (x-request-id, as the server answers it) on every span of a call.
REQUEST_ID = "fingate.request_id"
# Calls that are not requests: load balancers' probes and grpcurl's listing.
_UNTRACED_SERVICES = ("grpc.health.", "grpc.reflection.")

_provider: TracerProvider | None = None


class RequestsAndJobs(Sampler):
    """Roots only at a request (SERVER) or a job (CONSUMER): a statement or provider call
    outside both (the metrics flush, LISTEN, a scrape) would be a trace of one span each."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        root = kind in (SpanKind.SERVER, SpanKind.CONSUMER)
        return (ALWAYS_ON if root else ALWAYS_OFF).should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "RequestsAndJobs"


class RequestIdProcessor(SpanProcessor):
    """Tags each span started inside a call with the call's request id."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        rid = request_id_var.get()
        if rid != "-":
            span.set_attribute(REQUEST_ID, rid)


def _exporter(settings: Settings) -> SpanExporter:
    # Imported here: a process without tracing never loads an exporter.
    if settings.otel_protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter as HttpExporter,
        )

        return HttpExporter(endpoint=f"{settings.otel_endpoint}/v1/traces")
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=settings.otel_endpoint)


def _instrument(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor

    # Statements without their parameters (capture_parameters defaults to off).
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    URLLib3Instrumentor().instrument(tracer_provider=provider)


def setup(
    settings: Settings, *, service: str, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """The process's tracer provider, installed with its instrumentations; None (and nothing
    installed) when no collector is configured. `service` names the process (unless
    OTEL_SERVICE_NAME does); `exporter` replaces the OTLP one (tests)."""
    global _provider
    if not settings.otel_endpoint and exporter is None:
        return None
    resource = Resource.create(
        {
            "service.name": settings.otel_service_name or service,
            "service.version": settings.version,
            "deployment.environment.name": settings.app_env,
        }
    )
    provider = TracerProvider(resource=resource, sampler=ParentBased(root=RequestsAndJobs()))
    provider.add_span_processor(RequestIdProcessor())
    provider.add_span_processor(
        RedactingProcessor(BatchSpanProcessor(exporter or _exporter(settings)))
    )
    trace.set_tracer_provider(provider)
    _instrument(provider)
    _provider = provider
    return provider


def shutdown() -> None:
    """Exports what is still buffered and stops the exporter (the process is stopping)."""
    if _provider is not None:
        _provider.shutdown()


def server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    """The gRPC server's tracing interceptor, to run before every other one (its span holds
    theirs); none without tracing."""
    if _provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters

    untraced = filters.any_of(*(filters.service_prefix(s) for s in _UNTRACED_SERVICES))
    interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=_provider, filter_=filters.negate(untraced)
    )
    return [interceptor]


def tag_request_id(request_id: str) -> None:
    """Puts the request id on the call's own span, which starts before the id is known."""
    if _provider is not None:
        trace.get_current_span().set_attribute(REQUEST_ID, request_id)


JobMiddleware = Callable[[Callable[[], Awaitable[Any]], Any, Any], Awaitable[Any]]


async def _job_span(call_next: Callable[[], Awaitable[Any]], context: Any, worker: Any) -> Any:
    # The job's identity only: its arguments may hold addresses and ids of people.
    job = context.job
    assert _provider is not None  # job_middleware() offers this only with tracing on
    tracer = _provider.get_tracer("fingate.jobs")
    with tracer.start_as_current_span(
        f"job {job.task_name}",
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "procrastinate",
            "messaging.operation.type": "process",
            "messaging.destination.name": job.queue,
            "messaging.message.id": str(job.id),
            "fingate.job.task": job.task_name,
            "fingate.job.attempt": job.attempts + 1,
        },
    ):
        return await call_next()


def job_middleware() -> list[JobMiddleware]:
    """procrastinate's worker middleware that opens one span per job; none without tracing."""
    return [_job_span] if _provider is not None else []
