"""Standard gRPC health checking and reflection, directly and through Envoy."""

import shutil
import subprocess
import sys
from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc

GRPCURL = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")


def test_health_serving(channel):
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "fingate.auth.v1.AuthService"):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_grpcurl_lists_the_services_directly_and_through_envoy(ports):
    for port in (ports.grpc, ports.http):
        out = subprocess.run(
            [GRPCURL, "-plaintext", f"127.0.0.1:{port}", "list"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        assert {
            "fingate.auth.v1.AuthService",
            "fingate.system.v1.SystemService",
            "grpc.health.v1.Health",
        } <= set(out)
