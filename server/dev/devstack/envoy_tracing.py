"""Envoy's OpenTelemetry tracer, rendered into envoy.yaml.tmpl when a collector is configured.

Envoy starts each request's trace (a SERVER span, service `fingate-envoy`) and sends
`traceparent` upstream, so the server's spans are its children. The span's `http.url` is the
path filter.lua redacted for the access log (no query, no token-shaped segments), not the one
the client sent: mailed links and OAuth callbacks carry single-use secrets there.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SERVICE_NAME = "fingate-envoy"
CLUSTER = "otel_collector"

# YAML at the connection manager's indent (10 spaces); `{provider}` is the exporter's part.
_TRACING = """\
          tracing:
            random_sampling: {{value: 100}}  # percent of requests; the server follows Envoy
            custom_tags:
            # Replaces Envoy's own http.url, the path as the client sent it.
            - tag: http.url
              metadata:
                kind: {{request: {{}}}}
                metadata_key: {{key: fingate, path: [{{key: path}}]}}
                default_value: "-"
            provider:
              name: envoy.tracers.opentelemetry
              typed_config:
                "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                service_name: {service}
{provider}"""

_GRPC_PROVIDER = f"""\
                grpc_service:
                  envoy_grpc: {{cluster_name: {CLUSTER}}}
                  timeout: 1s  # per export"""

_HTTP_PROVIDER = f"""\
                http_service:
                  http_uri:
                    uri: "{{uri}}"
                    cluster: {CLUSTER}
                    timeout: 1s  # per export"""

# At the clusters' indent (2 spaces).
_CLUSTER = f"""\
  - name: {CLUSTER}
    type: {{cluster_type}}
    connect_timeout: 1s
{{protocol}}    load_assignment:
      cluster_name: {CLUSTER}
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{{{address: "{{host}}", port_value: {{port}}}}}}"""

_HTTP2 = """\
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: {http2_protocol_options: {}}
"""

NO_TRACING = "          # (no tracing: OTEL_EXPORTER_OTLP_ENDPOINT is unset)"
NO_CLUSTER = "  # (no trace collector)"


def tracing_blocks(endpoint: str, protocol: str = "grpc") -> tuple[str, str]:
    """(the connection manager's `tracing` block, the collector's cluster) for a plaintext
    OTLP endpoint (`http://host:port`, gRPC or http/protobuf as the server's exporter); two
    placeholder comments when `endpoint` is empty."""
    if not endpoint:
        return NO_TRACING, NO_CLUSTER
    url = urlsplit(endpoint)
    if url.scheme != "http" or not url.hostname:
        raise ValueError(f"Envoy exports traces to a plaintext http:// collector, not {endpoint!r}")
    grpc = protocol == "grpc"
    port = url.port or (4317 if grpc else 4318)
    if grpc:
        provider = _GRPC_PROVIDER
    else:
        provider = _HTTP_PROVIDER.format(uri=f"{endpoint.rstrip('/')}/v1/traces")
    tracing = _TRACING.format(service=SERVICE_NAME, provider=provider)
    try:
        ipaddress.ip_address(url.hostname)
        cluster_type = "STATIC"
    except ValueError:
        cluster_type = "STRICT_DNS"
    cluster = _CLUSTER.format(
        cluster_type=cluster_type,
        protocol=_HTTP2 if grpc else "",
        host=url.hostname,
        port=port,
    )
    return tracing, cluster
