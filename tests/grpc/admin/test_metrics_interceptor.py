"""The metrics interceptor on a real grpc.aio server: fingate calls counted, errors by status."""

import grpc
import pytest

from fingate.auth.v1 import auth_service_pb2 as pb
from fingate.auth.v1 import auth_service_pb2_grpc
from server.auth.authenticator import Authenticator
from server.platform.contract.registry import Registry
from server.platform.db.database import Database
from server.platform.errors import Conflict, InvalidInput
from server.platform.interceptors.auth import AuthInterceptor
from server.platform.interceptors.errors import ErrorInterceptor
from server.platform.interceptors.metrics import MetricsInterceptor
from server.platform.interceptors.request_id import RequestIdInterceptor
from server.platform.metrics.recorder import RequestMetrics
from tests.secrets import make_settings


class Servicer(auth_service_pb2_grpc.AuthServiceServicer):
    async def SignUp(self, request, context):
        raise InvalidInput([])

    async def SignIn(self, request, context):
        return pb.SignInResponse(success=True)

    async def ForgotPassword(self, request, context):
        raise Conflict()

    async def VerifyEmail(self, request, context):
        raise RuntimeError("a bug")


@pytest.fixture
async def served():
    registry = Registry.from_modules([pb])
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    metrics = RequestMetrics(db, flush_s=60)
    server = grpc.aio.server(
        interceptors=[
            RequestIdInterceptor(registry),
            MetricsInterceptor(registry, metrics),
            ErrorInterceptor(registry),
            AuthInterceptor(registry, Authenticator(db, make_settings())),
        ]
    )
    auth_service_pb2_grpc.add_AuthServiceServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield auth_service_pb2_grpc.AuthServiceStub(channel), metrics
    await server.stop(None)
    await db.dispose()


async def test_calls_are_counted_by_route_and_non_ok_status_is_an_error(served):
    stub, metrics = served
    await stub.SignIn(pb.SignInRequest())
    await stub.SignIn(pb.SignInRequest())
    for call, request in (
        (stub.SignUp, pb.SignUpRequest()),  # 400
        (stub.ForgotPassword, pb.ForgotPasswordRequest()),  # 409
        (stub.VerifyEmail, pb.VerifyEmailRequest()),  # 500
        (stub.GetCurrentUser, pb.GetCurrentUserRequest()),  # 401 from the auth interceptor
    ):
        with pytest.raises(grpc.aio.AioRpcError):
            await call(request)
    assert metrics.pending_by_endpoint() == {
        "POST /auth/sign-in": (2, 0),
        "POST /auth/sign-up": (1, 1),
        "POST /auth/forgot-password": (1, 1),
        "GET /auth/verify-email": (1, 1),
        "GET /auth/me": (1, 1),
    }
