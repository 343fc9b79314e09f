"""Rate limits over gRPC: direct and through Envoy, memory and Redis, and Redis down.

Limits as in tests/rest/test_rate_limit.py (GENERAL: FREE 3 per hour; AUTH: 3 per hour).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fingate.auth.v1 import auth_service_pb2 as pb
from fingate.auth.v1 import auth_service_pb2_grpc
from tests.factories.auth import PASSWORD, sign_up, unique_email

HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@contextmanager
def stub_at(target: str) -> Iterator[auth_service_pb2_grpc.AuthServiceStub]:
    with grpc.insecure_channel(target) as channel:
        yield auth_service_pb2_grpc.AuthServiceStub(channel)


def me(stub, token: str) -> dict[str, str]:
    """GetCurrentUser; returns the response headers (initial metadata)."""
    _, call = stub.GetCurrentUser.with_call(
        pb.GetCurrentUserRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10
    )
    return dict(call.initial_metadata())


def remaining(headers: dict[str, str]) -> int:
    return int(headers["x-ratelimit-remaining"])


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, caught.value
    return caught.value


def test_direct_grpc_gets_headers_then_resource_exhausted_with_retry_info(rate_stack, rest):
    user = sign_up(rest)
    with stub_at(rate_stack.grpc_target) as stub:
        assert [remaining(me(stub, user.token)) for _ in range(3)] == [2, 1, 0]
        error = refused(lambda: me(stub, user.token))
    trailers = dict(error.trailing_metadata())
    assert trailers["x-ratelimit-limit"] == "3" and trailers["x-ratelimit-remaining"] == "0"
    assert int(trailers["x-ratelimit-reset"]) > time.time()
    status = rpc_status.from_call(error)
    found = {}
    for detail in status.details:
        for cls in (error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo):
            if detail.Is(cls.DESCRIPTOR):
                found[cls.__name__] = cls()
                detail.Unpack(found[cls.__name__])
    assert found["ErrorInfo"].reason == "RATE_LIMIT_EXCEEDED"
    assert found["ErrorInfo"].metadata["limitReset"] == trailers["x-ratelimit-reset"]
    delay = found["RetryInfo"].retry_delay.seconds
    assert 1 <= delay <= 3600 and trailers["retry-after"] == str(delay)


def test_native_grpc_through_envoy_gets_the_headers(rate_stack, rest):
    user = sign_up(rest)
    with stub_at(f"127.0.0.1:{rate_stack.ports.http}") as stub:
        headers = me(stub, user.token)
    assert headers["x-ratelimit-limit"] == "3" and remaining(headers) == 2


def test_auth_class_counts_the_peer_of_direct_and_envoy_calls_alike(rate_stack):
    # Direct calls count the gRPC peer (127.0.0.1); native gRPC through Envoy counts the
    # address Envoy saw (127.0.0.1 too), whatever the client claims. No REST test uses it.
    request = pb.SignInRequest(email=unique_email(), password=PASSWORD)
    spoofed = [("x-envoy-external-address", "10.1.2.3"), ("x-forwarded-for", "10.1.2.3")]
    with (
        stub_at(rate_stack.grpc_target) as direct,
        stub_at(f"127.0.0.1:{rate_stack.ports.http}") as via_envoy,
    ):
        for stub, metadata in ((direct, []), (via_envoy, spoofed), (via_envoy, [])):
            with pytest.raises(grpc.RpcError) as caught:
                stub.SignIn(request, metadata=metadata, timeout=10)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        refused(lambda: direct.SignIn(request, timeout=10))


def test_two_server_processes_share_counters_in_redis(rate_redis_stacks, rest):
    first, second = rate_redis_stacks
    user = sign_up(rest)
    with stub_at(first.grpc_target) as one, stub_at(second.grpc_target) as two:
        assert remaining(me(one, user.token)) == 2
        assert remaining(me(two, user.token)) == 1
        assert remaining(me(one, user.token)) == 0
        refused(lambda: me(two, user.token))
        refused(lambda: me(one, user.token))
        # Another user still has a whole window, on either process.
        other = sign_up(rest)
        assert remaining(me(two, other.token)) == 2


def test_rest_through_envoy_counts_in_redis_too(rate_redis_stacks, rest):
    first, second = rate_redis_stacks
    user = sign_up(rest)
    with stub_at(second.grpc_target) as two:
        me(two, user.token)
        me(two, user.token)
    response = rest.get(
        f"{first.rest_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {user.token}"}
    )
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_redis_down_fails_open_with_a_warning(rate_redis_down_stack, rest):
    user = sign_up(rest)
    with stub_at(rate_redis_down_stack.grpc_target) as stub:
        for _ in range(5):  # past the limit of 3: nothing counts while the store is down
            assert not set(HEADERS) & set(me(stub, user.token))
    log = rate_redis_down_stack.server_log()
    assert "rate-limit store unreachable" in log
    # Logged once per minute, not once per call.
    assert log.count("rate-limit store unreachable") == 1
