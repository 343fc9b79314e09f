"""REST error bodies, one renderer per document family (DESIGN.md "Envelope").

The server renders the body once; Envoy's Lua filter puts it on the wire (envoy/README.md).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fingate.common.v1 import options_pb2
from server.errors import ErrorSpec

_COMPACT = (",", ":")  # as the transcoder prints success bodies
PROBLEM_TYPE_BASE = "https://api.dashtam.com/errors/"
# Seed 003 names the not-found problem `…/errors/not_found`; other codes keep their own name.
_PROBLEM_SLUGS = {"RESOURCE_NOT_FOUND": "not_found"}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _mappr(spec: ErrorSpec, message: str, details: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "success": False,
        "error": message,
        "code": spec.reason,
        "statusCode": spec.http_status,
    }
    if details:
        body["details"] = details
    return body


def _financbase(spec: ErrorSpec, message: str, details: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "error": message}
    extra = dict(details)
    if "retryAfter" in extra:
        body["retryAfter"] = extra.pop("retryAfter")
        extra.pop("limitReset", None)
    if extra:
        body["details"] = extra
    return body


def _problem(
    spec: ErrorSpec, message: str, request_id: str, instance: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + _PROBLEM_SLUGS.get(spec.reason, spec.reason.lower()),
        "title": _TITLES.get(spec.http_status, "Error"),
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
    if error_format == options_pb2.ERROR_FORMAT_FINANCBASE:
        return "application/json", json.dumps(
            _financbase(spec, message, details), separators=_COMPACT
        )
    return "application/json", json.dumps(
        _mappr(spec, message, details), ensure_ascii=False, separators=_COMPACT
    )


def encode_for_metadata(text: str) -> str:
    """Percent-encode UTF-8 so the body travels as printable-ASCII trailing metadata."""
    return quote(text, safe=" {}[]:,\"'")
