"""REST error bodies, one renderer per error format (DESIGN.md "Envelope"), and what an HTTP
status means when nothing more is known.

The server renders the body once; Envoy's Lua filter puts it on the wire (envoy/README.md).
Envoy's own replies and the filter's fallbacks are generated from STATUS_DEFAULTS and the
services' declared formats (server/platform/contract/edge_replies.py).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fingate.common.v1 import options_pb2
from server.platform.errors import ErrorSpec

_COMPACT = (",", ":")  # as the transcoder prints success bodies
PROBLEM_TYPE_BASE = "https://api.dashtam.com/errors/"
# The not-found problem is `…/errors/not_found`; other codes keep their own name.
_PROBLEM_SLUGS = {"RESOURCE_NOT_FOUND": "not_found"}
# HTTP status → (code, message, problem title), where only a status is known.
STATUS_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("INVALID_INPUT", "Invalid request", "Bad Request"),
    401: ("UNAUTHORIZED", "Unauthorized", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden", "Forbidden"),
    404: ("RESOURCE_NOT_FOUND", "Resource not found", "Not Found"),
    408: ("REQUEST_TIMEOUT", "Request timed out", "Request Timeout"),
    409: ("CONFLICT", "Conflict", "Conflict"),
    413: ("PAYLOAD_TOO_LARGE", "Request body too large", "Content Too Large"),
    422: ("UNPROCESSABLE", "Unprocessable request", "Unprocessable Content"),
    429: ("RATE_LIMIT_EXCEEDED", "Too many requests", "Too Many Requests"),
    431: ("HEADERS_TOO_LARGE", "Request headers too large", "Request Header Fields Too Large"),
    499: ("REQUEST_CANCELLED", "Request cancelled", "Client Closed Request"),
    500: ("INTERNAL_ERROR", "Internal server error", "Internal Server Error"),
    501: ("NOT_IMPLEMENTED", "Not implemented", "Not Implemented"),
    503: ("SERVICE_UNAVAILABLE", "Service temporarily unavailable", "Service Unavailable"),
    504: ("GATEWAY_TIMEOUT", "Gateway timeout", "Gateway Timeout"),
}


def problem_slug(code: str) -> str:
    """The last segment of a problem's `type` URI for an error code."""
    return _PROBLEM_SLUGS.get(code, code.lower())


def _envelope(spec: ErrorSpec, message: str, details: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "success": False,
        "error": message,
        "code": spec.reason,
        "statusCode": spec.http_status,
    }
    if details:
        body["details"] = details
    return body


def _simple(spec: ErrorSpec, message: str, details: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "error": message}
    extra = dict(details)
    if "retryAfter" in extra:
        body["retryAfter"] = extra.pop("retryAfter")
        extra.pop("limitReset", None)
    errors = extra.pop("errors", None)
    if isinstance(errors, list) and errors:
        # The document's validation details name one field: the first violation.
        extra = {**errors[0], **extra}
    if extra:
        body["details"] = extra
    return body


def _problem(
    spec: ErrorSpec, message: str, request_id: str, instance: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + problem_slug(spec.reason),
        "title": STATUS_DEFAULTS[spec.http_status][2]
        if spec.http_status in STATUS_DEFAULTS
        else "Error",
        "status": spec.http_status,
        "detail": message,
    }
    if instance:
        body["instance"] = instance
    body["trace_id"] = request_id
    return body


def render_error(
    error_format: int,
    spec: ErrorSpec,
    message: str,
    details: dict[str, Any],
    *,
    request_id: str,
    instance: str | None = None,
) -> tuple[str, str]:
    """(content type, JSON text) of the REST error body for a service's document."""
    if error_format == options_pb2.ERROR_FORMAT_PROBLEM:
        body = _problem(spec, message, request_id, instance)
        return "application/problem+json", json.dumps(body, ensure_ascii=False, separators=_COMPACT)
    if error_format == options_pb2.ERROR_FORMAT_SIMPLE:
        return "application/json", json.dumps(_simple(spec, message, details), separators=_COMPACT)
    return "application/json", json.dumps(
        _envelope(spec, message, details), ensure_ascii=False, separators=_COMPACT
    )


def encode_for_metadata(text: str) -> str:
    """Percent-encode UTF-8 so the body travels as printable-ASCII trailing metadata."""
    return quote(text, safe=" {}[]:,\"'")
