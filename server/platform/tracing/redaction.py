"""What a span may not carry out of the process, removed before any exporter sees it.

Instrumentations record what they are given: a provider URL with an OAuth code or a token in
its query, headers when an OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* variable asks for them,
statement parameters when asked. The processor here wraps the exporting one and hands it a copy
of each ended span without them, whatever set them and whenever: attributes, event attributes
(an exception's message) and the status description alike.
"""

from __future__ import annotations

import re

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Status
from opentelemetry.util.types import Attributes, AttributeValue

# Attributes never exported: request and response headers (cookies, authorization, API keys),
# gRPC metadata, bound statement parameters, a URL's query on its own.
_DROPPED_PREFIXES = (
    "http.request.header.",
    "http.response.header.",
    "rpc.grpc.request.metadata",
    "rpc.grpc.response.metadata",
    "db.statement.parameters",
    "db.query.parameter.",
    "url.query",
)
# A URL's userinfo (`user:secret@`), then its query and fragment.
_USERINFO = re.compile(r"(?<=://)[^/@\s?#]*@")
_QUERY = re.compile(r"(://[^\s?#'\"]*)[?#][^\s'\"]*")
# PostgreSQL's DETAIL line quotes row values (`Key (email)=(…) already exists`).
_PG_DETAIL = re.compile(r"\n\s*DETAIL:.*", re.DOTALL)


def redact_text(text: str) -> str:
    """`text` with every URL's userinfo, query and fragment, and any PostgreSQL DETAIL, cut."""
    if "://" in text:
        text = _QUERY.sub(r"\1", _USERINFO.sub("", text))
    if "DETAIL:" in text:
        text = _PG_DETAIL.sub("", text)
    return text


def _redact_value(value: AttributeValue) -> AttributeValue:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, tuple | list) and value and isinstance(value[0], str):
        return tuple(redact_text(str(v)) for v in value)
    return value


def redact_attributes(attributes: Attributes) -> Attributes:
    """The attributes an exporter may see; the same object when nothing had to go."""
    if not attributes:
        return attributes
    cleaned: dict[str, AttributeValue] = {}
    changed = False
    for key, value in attributes.items():
        if key.startswith(_DROPPED_PREFIXES):
            changed = True
            continue
        safe = _redact_value(value)
        changed = changed or safe != value
        cleaned[key] = safe
    return cleaned if changed else attributes


def redact_span(span: ReadableSpan) -> ReadableSpan:
    """`span` itself when it carries nothing to redact, else a redacted copy."""
    original = span.attributes  # a fresh read-only view per access: compare this one
    attributes = redact_attributes(original)
    changed = attributes is not original
    events = []
    for event in span.events:
        event_attributes = event.attributes
        safe = redact_attributes(event_attributes)
        changed = changed or safe is not event_attributes
        events.append(Event(event.name, safe, event.timestamp))
    description = span.status.description
    safe_description = redact_text(description) if description else description
    if not changed and safe_description == description:
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code, safe_description),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingProcessor(SpanProcessor):
    """Hands `inner` (the exporting processor) redacted copies of ended spans."""

    def __init__(self, inner: SpanProcessor) -> None:
        self._inner = inner

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._inner.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self._inner.on_end(redact_span(span))

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
