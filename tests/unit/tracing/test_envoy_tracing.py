"""Envoy's OpenTelemetry tracer in the rendered config: absent without a collector, present
(and valid to Envoy) with one, its http.url the redacted path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.dev.devstack import deploy_config
from server.dev.devstack.envoy import envoy_binary, render_config
from server.dev.devstack.envoy_tracing import CLUSTER, NO_CLUSTER, NO_TRACING, tracing_blocks


def _render(tmp_path: Path, **options: Any) -> str:
    path = render_config(
        http_port=18080,
        admin_port=18081,
        grpc_host="127.0.0.1",
        grpc_port=18082,
        out_path=tmp_path / "envoy.yaml",
        **options,
    )
    out = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(path), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return path.read_text()


def test_without_endpoint__no_tracer_and_no_cluster(tmp_path):
    text = _render(tmp_path)
    assert "envoy.tracers.opentelemetry" not in text and CLUSTER not in text
    assert NO_TRACING in text and NO_CLUSTER in text


@pytest.mark.parametrize(
    ("endpoint", "protocol", "expected"),
    [
        ("http://127.0.0.1:4317", "grpc", "envoy_grpc: {cluster_name: otel_collector}"),
        (
            "http://otel-collector:4318",
            "http/protobuf",
            'uri: "http://otel-collector:4318/v1/traces"',
        ),
    ],
)
def test_with_endpoint__tracer_exports_to_the_collector(tmp_path, endpoint, protocol, expected):
    text = _render(tmp_path, otlp_endpoint=endpoint, otlp_protocol=protocol)
    assert "name: envoy.tracers.opentelemetry" in text and "service_name: fingate-envoy" in text
    assert expected in text
    # The path filter.lua keeps for the access log replaces Envoy's own http.url.
    assert "- tag: http.url" in text and "metadata_key: {key: fingate, path: [{key: path}]}" in text


def test_with_several_server_processes(tmp_path):
    text = _render(tmp_path, otlp_endpoint="http://127.0.0.1:4317", process_ports=[18090, 18091])
    assert "name: otel_collector" in text and "port_value: 18091" in text


def test_blocks__cluster_type_and_default_port():
    _, cluster = tracing_blocks("http://otel-collector", "grpc")
    assert "type: STRICT_DNS" in cluster and "port_value: 4317" in cluster
    _, cluster = tracing_blocks("http://10.0.0.5:4318", "http/protobuf")
    assert "type: STATIC" in cluster and "http2_protocol_options" not in cluster


def test_blocks__tls_endpoint_refused():
    with pytest.raises(ValueError, match="plaintext"):
        tracing_blocks("https://collector.example:4317", "grpc")


def test_production_config__tracing_only_when_asked(tmp_path):
    off = deploy_config.render(tmp_path / "off").read_text()
    assert "envoy.tracers.opentelemetry" not in off
    on = deploy_config.render(tmp_path / "on", otlp_endpoint="http://otel-collector:4317")
    text = on.read_text()
    assert "envoy.tracers.opentelemetry" in text and "type: STRICT_DNS" in text
    env = {**os.environ, "EDGE_TOKEN": "x" * 48}
    out = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(on), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
