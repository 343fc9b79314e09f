"""Only Envoy may name the client address (x-envoy-external-address): a direct gRPC caller
that sends it without the edge token is refused; production settings turn reflection and the
API docs off (issue 10)."""

from __future__ import annotations

import grpc
import httpx
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from fingate.auth.v1 import auth_service_pb2 as pb
from fingate.auth.v1 import auth_service_pb2_grpc
from server.dev.devstack.stack import Stack
from tests.conftest import JWT_SECRET, VAR, shifted_ports
from tests.factories.auth import PASSWORD, sign_up

CLOSED_PORTS = shifted_ports(http=28180, grpc=25180, admin=29180, smtp=21025)


def test_a_client_address_without_the_edge_token_is_refused(auth_stub, rest):
    account = sign_up(rest)
    request = pb.SignInRequest(email=account.email, password=PASSWORD)
    with pytest.raises(grpc.RpcError) as refused:
        auth_stub.SignIn(request, metadata=[("x-envoy-external-address", "10.9.8.7")])
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    forged = [("x-envoy-external-address", "10.9.8.7"), ("x-fingate-edge", "guess")]
    with pytest.raises(grpc.RpcError) as still:
        auth_stub.SignIn(request, metadata=forged)
    assert still.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # Without the header a direct caller is counted by its own peer address, as before.
    assert auth_stub.SignIn(request).data.user.email == account.email


def test_envoy_proves_it_set_the_address(envoy_auth_stub, rest):
    account = sign_up(rest)
    request = pb.SignInRequest(email=account.email, password=PASSWORD)
    # A client's own x-fingate-edge is dropped at the edge; Envoy adds the real one.
    reply = envoy_auth_stub.SignIn(request, metadata=[("x-fingate-edge", "guess")])
    assert reply.data.user.email == account.email


@pytest.fixture(scope="module")
def closed_stack(stack):
    """A server and Envoy with reflection and the API docs switched off."""
    with Stack(
        ports=CLOSED_PORTS,
        var_dir=VAR / "closed",
        database_url=stack.database_url,
        run_migrations=False,
        smtp=False,
        sandbox=False,
        worker=False,
        env={"JWT_SECRET": JWT_SECRET, "GRPC_REFLECTION": "false", "API_DOCS": "false"},
        app_env="test",
    ) as running:
        yield running


def test_reflection_and_docs_can_be_switched_off(closed_stack):
    with grpc.insecure_channel(closed_stack.grpc_target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        ask = reflection_pb2.ServerReflectionRequest(list_services="")
        with pytest.raises(grpc.RpcError) as off:
            list(stub.ServerReflectionInfo(iter([ask]), timeout=10))
        assert off.value.code() == grpc.StatusCode.UNIMPLEMENTED
        health = auth_service_pb2_grpc.AuthServiceStub(channel)
        with pytest.raises(grpc.RpcError) as auth:
            health.GetCurrentUser(pb.GetCurrentUserRequest(), timeout=10)
        assert auth.value.code() == grpc.StatusCode.UNAUTHENTICATED  # the API itself serves
    with httpx.Client(base_url=closed_stack.rest_url, timeout=30) as client:
        for path in ("/docs", "/openapi.json"):
            assert client.get(path).status_code == 404
        assert client.get("/health").status_code == 200
