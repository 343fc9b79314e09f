"""The interceptor chain on a real grpc.aio server: what leaks, what is added, in which order."""

import json
from urllib.parse import unquote

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fingate.auth.v1 import auth_service_pb2 as pb
from fingate.auth.v1 import auth_service_pb2_grpc
from server.auth.authenticator import Authenticator
from server.platform.contract.registry import Registry
from server.platform.db.database import Database
from server.platform.errors import RateLimited
from server.platform.interceptors.auth import AuthInterceptor
from server.platform.interceptors.errors import ErrorInterceptor
from server.platform.interceptors.request_id import RequestIdInterceptor
from tests.secrets import make_settings

SECRET_TEXT = "password=hunter2 at db.internal:5432"
# What Envoy adds to a transcoded call; the REST body is rendered only for those.
REST = ("x-envoy-original-path", "/api/v1/auth/sign-up")


class Broken(auth_service_pb2_grpc.AuthServiceServicer):
    async def SignUp(self, request, context):
        raise RuntimeError(SECRET_TEXT)

    async def SignIn(self, request, context):
        raise RateLimited(retry_after=7, limit_reset=1700000000)

    async def GetCurrentUser(self, request, context):
        raise AssertionError("the auth interceptor must stop unauthenticated calls first")


@pytest.fixture
async def broken_stub():
    settings = make_settings()
    registry = Registry.from_modules([pb])
    # Never connects: the calls below fail before any database work.
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    server = grpc.aio.server(
        interceptors=[
            RequestIdInterceptor(registry),
            ErrorInterceptor(registry),
            AuthInterceptor(registry, Authenticator(db, settings)),
        ]
    )
    auth_service_pb2_grpc.add_AuthServiceServicer_to_server(Broken(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield auth_service_pb2_grpc.AuthServiceStub(channel)
    await server.stop(None)
    await db.dispose()


def _trailer(error, key):
    return dict(error.trailing_metadata())[key]


async def test_unexpected_exception_is_internal_without_internals(broken_stub):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await broken_stub.SignUp(
            pb.SignUpRequest(), metadata=[("x-request-id", "req-12345678"), REST]
        )
    error = caught.value
    assert error.code() == grpc.StatusCode.INTERNAL
    assert SECRET_TEXT not in error.details() and "hunter2" not in str(error.trailing_metadata())
    body = json.loads(unquote(_trailer(error, "x-rest-error")))
    assert body == {
        "success": False,
        "error": "An unexpected error occurred",
        "code": "INTERNAL_ERROR",
        "statusCode": 500,
        "details": {"requestId": "req-12345678"},
    }
    assert _trailer(error, "x-http-code") == "500"
    assert _trailer(error, "x-request-id") == "req-12345678"


async def test_rate_limited_carries_retry_info_and_header(broken_stub):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await broken_stub.SignIn(pb.SignInRequest(), metadata=[REST])
    error = caught.value
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _trailer(error, "retry-after") == "7"
    status = rpc_status.from_call(error)
    retry = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    info = error_details_pb2.RetryInfo()
    retry[0].Unpack(info)
    assert info.retry_delay.seconds == 7
    body = json.loads(unquote(_trailer(error, "x-rest-error")))
    assert body["details"] == {"retryAfter": 7, "limitReset": 1700000000}


async def test_auth_runs_before_the_servicer(broken_stub):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await broken_stub.GetCurrentUser(pb.GetCurrentUserRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_client_request_id_that_is_not_plain_is_replaced(broken_stub):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await broken_stub.SignUp(pb.SignUpRequest(), metadata=[("x-request-id", "bad id <script>")])
    assert _trailer(caught.value, "x-request-id") != "bad id <script>"


async def test_native_grpc_callers_get_no_rest_trailers(broken_stub):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await broken_stub.SignUp(pb.SignUpRequest())
    keys = {k for k, _ in caught.value.trailing_metadata()}
    assert not keys & {"x-rest-error", "x-rest-content-type", "x-http-code"}
    assert "grpc-status-details-bin" in keys
