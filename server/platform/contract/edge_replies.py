"""Envoy's own error replies and the Lua filter's fallbacks, generated from the contract.

Which routes answer which error format is declared once, per service, in the protos
((fingate.common.v1.error_format)); what a status means (code, message, problem title) is
STATUS_DEFAULTS in server/platform/envelopes.py. This module turns both into what Envoy needs:
`local_reply_config` mappers (a path regex per format, derived from the services' REST
bindings) and the CODES/TEXTS tables filter.lua uses for an upstream error without a body.
server/dev/devstack/envoy.py writes them into the rendered config and filter.lua.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from fingate.common.v1 import options_pb2
from server.platform.envelopes import PROBLEM_TYPE_BASE, STATUS_DEFAULTS, problem_slug


@dataclass(frozen=True, slots=True)
class LocalReply:
    """One kind of reply Envoy makes itself."""

    op: str  # EQ or GE on the status
    status: int
    message: str  # the envelope's `error`, the problem's `detail`
    with_reason: bool = False  # Envoy's own reason text goes into the body
    rejected: bool = False  # filter.lua refused the request (x-fingate-rejected)
    retry_after: bool = False


# In match order: the first mapper whose filter matches shapes the reply.
LOCAL_REPLIES = (
    LocalReply("EQ", 400, "Invalid request", with_reason=True, rejected=True),
    LocalReply("EQ", 400, "Invalid request body", with_reason=True),
    LocalReply("EQ", 404, "Route not found"),
    LocalReply("EQ", 408, "Request timed out"),
    LocalReply("EQ", 413, "Request body too large"),
    LocalReply("EQ", 431, "Request headers too large"),
    LocalReply("EQ", 503, "Service temporarily unavailable", retry_after=True),
    LocalReply("EQ", 504, "Upstream request timed out"),
    LocalReply("GE", 500, "Internal server error"),
    LocalReply("GE", 400, "Invalid request"),
)
# What every local reply carries: the mark filter.lua tells local replies by, and the security
# headers (route_config's response headers reach only replies on a matched route).
_MARKS: list[dict[str, object]] = [
    {"header": {"key": "x-fingate-local-reply", "value": "1"}},
    {
        "header": {
            "key": "strict-transport-security",
            "value": "max-age=63072000; includeSubDomains",
        },
        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
    },
    {
        "header": {"key": "x-content-type-options", "value": "nosniff"},
        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
    },
]
# Seconds: the supervisor restarts a dead server within a few (server/dev/devstack/).
_RETRY_AFTER: list[dict[str, object]] = [
    {"header": {"key": "retry-after", "value": "5"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
]
_VARIABLE = re.compile(r"\{[^}]*\}")
_INDENT = " " * 12


def _templates(service: descriptor_pb2.ServiceDescriptorProto) -> list[str]:
    found = []
    for method in service.method:
        rule = method.options.Extensions[annotations_pb2.http]
        for binding in [rule, *rule.additional_bindings]:
            kind = binding.WhichOneof("pattern")
            if kind is not None:
                found.append(binding.custom.path if kind == "custom" else getattr(binding, kind))
    return found


def _route_root(template: str) -> str:
    """A template as a regex, ending before a trailing variable: a reply to any path below
    a resource (an unknown sub-path included) uses the resource's format."""
    parts = template.rstrip("/").split("/")
    while parts and _VARIABLE.fullmatch(parts[-1]):
        parts.pop()
    return "/".join(
        "[^/?]+" if _VARIABLE.fullmatch(p) else re.escape(p).replace("\\-", "-") for p in parts
    )


def format_routes(fds: descriptor_pb2.FileDescriptorSet) -> dict[int, tuple[str, str]]:
    """Error format → (a regex of its REST paths, a regex of its transcoded gRPC paths), for
    every format but the default envelope, which takes what the others do not."""
    roots: dict[int, set[str]] = {}
    services: dict[int, set[str]] = {}
    for file in fds.file:
        if not file.package.startswith("fingate."):
            continue
        for service in file.service:
            fmt = int(service.options.Extensions[options_pb2.error_format])
            if fmt in (options_pb2.ERROR_FORMAT_UNSPECIFIED, options_pb2.ERROR_FORMAT_ENVELOPE):
                continue
            roots.setdefault(fmt, set()).update(_route_root(t) for t in _templates(service))
            services.setdefault(fmt, set()).add(re.escape(f"{file.package}.{service.name}"))
    found: dict[int, tuple[str, str]] = {}
    for key, kept in roots.items():
        rest = _alternatives(kept)
        grpc = "|".join(sorted(services[key]))
        found[key] = (f"^{rest}([/?].*)?$", f"^/({grpc})/.*")
    return found


_ORG_PREFIX = "/api/v1/organizations/[^/?]+/"


def _alternatives(roots: set[str]) -> str:
    """One small regex for a set of route roots (RE2 caps a regex's program size): the
    organization variants fold into an optional prefix, and a root below another is dropped."""
    under_v1 = {r.removeprefix(_ORG_PREFIX) for r in roots if r.startswith(_ORG_PREFIX)}
    under_v1 |= {r.removeprefix("/api/v1/") for r in roots if r.startswith("/api/v1/")}
    under_v1 = {r for r in under_v1 if not r.startswith("organizations/")}
    others = {r for r in roots if not r.startswith("/api/v1/")}
    kept = sorted(r for r in under_v1 if not any(r.startswith(o + "/") for o in under_v1))
    parts = [f"/api/v1/(organizations/[^/?]+/)?({'|'.join(kept)})"] if kept else []
    return "(" + "|".join(parts + sorted(others)) + ")"


def _filter(reply: LocalReply, key: str) -> str:
    comparison = (
        f"{{status_code_filter: {{comparison: {{op: {reply.op}, value: "
        f"{{default_value: {reply.status}, runtime_key: {key}}}}}}}}}"
    )
    if not reply.rejected:
        return comparison
    # Set by filter.lua only (it drops a client's); checked with the status so a client-sent
    # copy cannot reshape Envoy's other replies.
    return (
        f"{{and_filter: {{filters: [{comparison}, "
        "{header_filter: {header: {name: x-fingate-rejected, present_match: true}}}]}}"
    )


def _path_filter(header: str, regex: str) -> str:
    return (
        f"{{header_filter: {{header: {{name: {json.dumps(header)}, string_match: "
        f"{{safe_regex: {{regex: {json.dumps(regex)}}}}}}}}}}}"
    )


def _routes_filter(rest: str, grpc: str) -> str:
    # x-envoy-original-path exists once the transcoder ran; before it (an unknown route) :path
    # is still the REST path, after it the gRPC one.
    paths = [
        _path_filter("x-envoy-original-path", rest),
        _path_filter(":path", rest),
        _path_filter(":path", grpc),
    ]
    return f"{{or_filter: {{filters: [{', '.join(paths)}]}}}}"


def _body(fmt: int, reply: LocalReply) -> tuple[str, str]:
    """(json_format, content type) of a reply in a format."""
    code, _, title = STATUS_DEFAULTS.get(reply.status, STATUS_DEFAULTS[500])
    if reply.op == "GE":
        code, _, title = STATUS_DEFAULTS[reply.status]
    if fmt == options_pb2.ERROR_FORMAT_PROBLEM:
        detail = reply.message
        if reply.with_reason:
            detail = "%LOCAL_REPLY_BODY%" if reply.rejected else f"{detail}: %LOCAL_REPLY_BODY%"
        body = {
            "type": PROBLEM_TYPE_BASE + problem_slug(code),
            "title": title,
            "status": "%RESPONSE_CODE%",
            "detail": detail,
            "instance": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
            "trace_id": "%REQ(X-REQUEST-ID)%",
        }
        return json.dumps(body), "application/problem+json"
    if fmt == options_pb2.ERROR_FORMAT_SIMPLE:
        simple: dict[str, object] = {"success": False, "error": reply.message}
        if reply.with_reason:
            simple["details"] = {"reason": "%LOCAL_REPLY_BODY%"}
        return json.dumps(simple), "application/json"
    envelope: dict[str, object] = {
        "success": False,
        "error": reply.message,
        "code": code,
        "statusCode": "%RESPONSE_CODE%",
    }
    if reply.with_reason:
        envelope["details"] = {"reason": "%LOCAL_REPLY_BODY%"}
    return json.dumps(envelope), "application/json"


def local_reply_mappers(fds: descriptor_pb2.FileDescriptorSet) -> str:
    """The `local_reply_config.mappers` entries after the native-gRPC one, as YAML (flow style)
    at the mappers' indentation: each format's routes first, the envelope for the rest."""
    lines = []
    routes = format_routes(fds)
    for fmt in sorted(routes):
        name = options_pb2.ErrorFormat.Name(options_pb2.ErrorFormat.ValueType(fmt))
        name = name.removeprefix("ERROR_FORMAT_").lower()
        for i, reply in enumerate(LOCAL_REPLIES):
            status = _filter(reply, f"{name}_{i}")
            lines.append(
                _mapper(
                    fmt,
                    reply,
                    f"{{and_filter: {{filters: [{status}, {_routes_filter(*routes[fmt])}]}}}}",
                )
            )
    for i, reply in enumerate(LOCAL_REPLIES):
        lines.append(
            _mapper(options_pb2.ERROR_FORMAT_ENVELOPE, reply, _filter(reply, f"envelope_{i}"))
        )
    return "\n".join(lines)


def _mapper(fmt: int, reply: LocalReply, match: str) -> str:
    body, content_type = _body(fmt, reply)
    marks = json.dumps(_MARKS + (_RETRY_AFTER if reply.retry_after else []))
    return (
        f"{_INDENT}- filter: {match}\n"
        f"{_INDENT}  body_format_override:\n"
        f"{_INDENT}    json_format: {body}\n"
        f"{_INDENT}    content_type: {content_type}\n"
        f"{_INDENT}  headers_to_add: {marks}"
    )


def lua_tables() -> str:
    """CODES and TEXTS for filter.lua: the envelope of an upstream error without a body."""
    codes = ", ".join(f'[{s}] = "{c}"' for s, (c, _, _) in sorted(STATUS_DEFAULTS.items()))
    texts = ", ".join(
        f"[{s}] = {json.dumps(t)}" for s, (_, t, _) in sorted(STATUS_DEFAULTS.items())
    )
    return f"CODES = {{{codes}}}\nTEXTS = {{{texts}}}\n"
