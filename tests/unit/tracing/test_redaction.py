"""What leaves the process in a span: URLs without query, userinfo or fragment, no headers, no
statement parameters, no PostgreSQL DETAIL; checked on the functions and through the real httpx
instrumentation, exporting to memory."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from server.platform.tracing.redaction import (
    RedactingProcessor,
    redact_attributes,
    redact_span,
    redact_text,
)

CODE = "ac_9f8e7d6c5b4a39281706"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"https://connect.example.com/oauth/token?code={CODE}",
            "https://connect.example.com/oauth/token",
        ),
        ("https://user:s3cret@api.example.com/v1/x#frag", "https://api.example.com/v1/x"),
        (
            f"Client error '400 Bad Request' for url 'https://p.example/cb?code={CODE}&state=s'",
            "Client error '400 Bad Request' for url 'https://p.example/cb'",
        ),
        ("/api/v1/auth/me", "/api/v1/auth/me"),
        (
            'duplicate key value violates unique constraint "users_email_key"\n'
            "DETAIL:  Key (email)=(a@example.com) already exists.",
            'duplicate key value violates unique constraint "users_email_key"',
        ),
    ],
)
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_redact_attributes__drops_headers_and_parameters():
    attributes = {
        "http.url": f"https://p.example/cb?code={CODE}",
        "http.request.header.authorization": ("Bearer abc",),
        "http.response.header.set_cookie": ("session=abc",),
        "db.statement": "SELECT 1 WHERE id = $1",
        "db.statement.parameters": "('abc',)",
        "http.status_code": 200,
    }
    assert redact_attributes(attributes) == {
        "http.url": "https://p.example/cb",
        "db.statement": "SELECT 1 WHERE id = $1",
        "http.status_code": 200,
    }


def test_redact_attributes__untouched_when_clean():
    attributes = {"http.url": "https://p.example/v1/accounts", "http.status_code": 200}
    assert redact_attributes(attributes) is attributes


def _provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(RedactingProcessor(SimpleSpanProcessor(exported)))
    return provider, exported


def test_processor__status_and_events_redacted():
    provider, exported = _provider()
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(
        "call", attributes={"url.full": f"https://x.example/a?t={CODE}"}
    ) as span:
        span.add_event(
            "exception", {"exception.message": f"for url 'https://x.example/a?t={CODE}'"}
        )
        span.set_status(Status(StatusCode.ERROR, f"https://x.example/a?t={CODE}"))
    (out,) = exported.get_finished_spans()
    assert out.attributes["url.full"] == "https://x.example/a"
    assert out.events[0].attributes["exception.message"] == "for url 'https://x.example/a'"
    assert out.status.description == "https://x.example/a"
    assert CODE not in repr(out.to_json())


def test_processor__a_clean_span_goes_through_as_it_is():
    provider, exported = _provider()
    with provider.get_tracer("test").start_as_current_span("clean", attributes={"a": "b"}):
        pass
    (out,) = exported.get_finished_spans()
    assert redact_span(out) is out


def test_httpx_instrumentation__exported_url_has_no_query_and_no_header(monkeypatch):
    # Even when an operator asks the instrumentation to record every request header.
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST", ".*")
    provider, exported = _provider()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(transport=transport) as client:
        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)
        client.get(
            f"https://provider.example/oauth/callback?code={CODE}",
            headers={"Authorization": "Bearer provider-token-123"},
        )
        HTTPXClientInstrumentor.uninstrument_client(client)
    (out,) = exported.get_finished_spans()
    urls = [v for k, v in out.attributes.items() if k in ("http.url", "url.full")]
    assert urls and all(u == "https://provider.example/oauth/callback" for u in urls), (
        out.attributes
    )
    text = repr(out.to_json())
    assert CODE not in text and "provider-token-123" not in text
    assert not [k for k in out.attributes if k.startswith("http.request.header.")]
