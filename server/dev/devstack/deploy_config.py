"""`python -m server.dev.devstack.deploy_config OUT_DIR` (`make deploy-config`): Envoy's
production config, rendered from the same template, Lua filter and descriptor set as `make run`'s.

OUT_DIR receives `envoy.yaml`, `filter.lua` (with its generated tables) and `fingate.binpb`;
the config names them by their absolute paths under OUT_DIR, so render it where Envoy will read
it. The Containerfile's `envoy` stage renders into /etc/fingate/envoy at image build time, beside
the descriptor set of the same commit (docs/operations.md). What differs from `make run`:

- the listener binds every address (the pod's), the admin interface stays on 127.0.0.1;
- the upstream is the server's headless Service (`fingate-server`, STRICT_DNS: every ready
  pod's address, requests balanced across them);
- the edge token is not in the file: Envoy reads it from its own environment on every request
  (`%ENVIRONMENT(EDGE_TOKEN)%`), which the Deployment fills from the Secret the server reads;
- tracing is off unless `--otlp-endpoint` names the collector (docs/operations.md "Traces").
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from server.dev.devstack.envoy import DESCRIPTOR_PATH, render_config

HTTP_PORT = 8080
ADMIN_PORT = 9901
GRPC_HOST = "fingate-server"
GRPC_PORT = 50051
LISTEN_ADDRESS = "0.0.0.0"
# Envoy's substitution formatter, evaluated per request: the header value never sits in a file.
EDGE_TOKEN_FROM_ENV = "%ENVIRONMENT(EDGE_TOKEN)%"
ROUTE_TIMEOUT_S = 60.0


def render(
    out_dir: Path,
    *,
    descriptor_path: Path = DESCRIPTOR_PATH,
    grpc_host: str = GRPC_HOST,
    otlp_endpoint: str = "",
    otlp_protocol: str = "grpc",
) -> Path:
    """Write the production config, its Lua filter and a copy of the descriptor set into
    `out_dir`; returns the config's path."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    descriptor = out_dir / "fingate.binpb"
    if descriptor_path.resolve() != descriptor:
        shutil.copyfile(descriptor_path, descriptor)
    return render_config(
        http_port=HTTP_PORT,
        admin_port=ADMIN_PORT,
        grpc_host=grpc_host,
        grpc_port=GRPC_PORT,
        out_path=out_dir / "envoy.yaml",
        descriptor_path=descriptor,
        access_log_path=None,  # /dev/stdout: the container's log
        route_timeout_s=ROUTE_TIMEOUT_S,
        edge_token=EDGE_TOKEN_FROM_ENV,
        listen_address=LISTEN_ADDRESS,
        otlp_endpoint=otlp_endpoint,
        otlp_protocol=otlp_protocol,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.dev.devstack.deploy_config")
    parser.add_argument("out_dir", type=Path, help="where Envoy will read the config")
    parser.add_argument("--descriptor-set", type=Path, default=DESCRIPTOR_PATH)
    parser.add_argument(
        "--grpc-host", default=GRPC_HOST, help="the server's headless Service (DNS name)"
    )
    parser.add_argument(
        "--otlp-endpoint",
        default="",
        help="trace collector, http://HOST:PORT (default: no tracing)",
    )
    parser.add_argument("--otlp-protocol", default="grpc", choices=["grpc", "http/protobuf"])
    args = parser.parse_args(argv)
    path = render(
        args.out_dir,
        descriptor_path=args.descriptor_set,
        grpc_host=args.grpc_host,
        otlp_endpoint=args.otlp_endpoint,
        otlp_protocol=args.otlp_protocol,
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
