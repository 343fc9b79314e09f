"""AuthService over gRPC: status codes and rich details, on the server's own port."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fingate.auth.v1 import auth_service_pb2 as pb
from tests.factories.auth import PASSWORD, unique_email


def _details(error: grpc.RpcError) -> dict[str, object]:
    status = rpc_status.from_call(error)
    assert status is not None, "no google.rpc.Status in grpc-status-details-bin"
    found: dict[str, object] = {}
    for any_ in status.details:
        for cls in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.BadRequest,
            error_details_pb2.RequestInfo,
        ):
            if any_.Is(cls.DESCRIPTOR):
                msg = cls()
                any_.Unpack(msg)
                found[cls.__name__] = msg
    return found


def _sign_up(stub, **fields):
    request = pb.SignUpRequest(
        email=fields.get("email", unique_email()),
        password=fields.get("password", PASSWORD),
        first_name="Ada",
        last_name="Lovelace",
    )
    return stub.SignUp(request, timeout=10)


def test_sign_up_and_me(auth_stub):
    created = _sign_up(auth_stub)
    assert created.success and created.data.user.role == "USER"
    me = auth_stub.GetCurrentUser(
        pb.GetCurrentUserRequest(),
        metadata=[("authorization", f"Bearer {created.data.session.token}")],
        timeout=10,
    )
    assert me.data.id == created.data.user.id
    assert me.data.phone.WhichOneof("kind") == "null_value"


def test_duplicate_email__already_exists_with_reason(auth_stub):
    email = unique_email()
    _sign_up(auth_stub, email=email)
    with pytest.raises(grpc.RpcError) as caught:
        _sign_up(auth_stub, email=email)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    details = _details(caught.value)
    assert details["ErrorInfo"].reason == "EMAIL_ALREADY_REGISTERED"
    assert details["ErrorInfo"].domain == "fingate"
    assert details["RequestInfo"].request_id


def test_invalid_input__field_violations(auth_stub):
    with pytest.raises(grpc.RpcError) as caught:
        _sign_up(auth_stub, email="nope", password="short")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = _details(caught.value)
    assert details["ErrorInfo"].reason == "INVALID_INPUT"
    violations = [(v.field, v.description) for v in details["BadRequest"].field_violations]
    assert violations == [
        ("email", "must be a valid email"),
        ("password", "must be at least 8 characters"),
    ]


def test_wrong_password__unauthenticated_invalid_credentials(auth_stub):
    created = _sign_up(auth_stub)
    with pytest.raises(grpc.RpcError) as caught:
        auth_stub.SignIn(
            pb.SignInRequest(email=created.data.user.email, password="x" * 9), timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _details(caught.value)["ErrorInfo"].reason == "INVALID_CREDENTIALS"


def test_missing_token__unauthenticated(auth_stub):
    with pytest.raises(grpc.RpcError) as caught:
        auth_stub.GetCurrentUser(pb.GetCurrentUserRequest(), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _details(caught.value)["ErrorInfo"].reason == "UNAUTHORIZED"


def test_signed_out_token_is_refused(auth_stub):
    created = _sign_up(auth_stub)
    auth = [("authorization", f"Bearer {created.data.session.token}")]
    auth_stub.SignOut(pb.SignOutRequest(), metadata=auth, timeout=10)
    with pytest.raises(grpc.RpcError) as caught:
        auth_stub.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=auth, timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_refresh_token_in_the_message(auth_stub):
    created = _sign_up(auth_stub)
    refreshed = auth_stub.RefreshSession(
        pb.RefreshSessionRequest(refresh_token=created.data.session.refresh_token), timeout=10
    )
    assert refreshed.data.refresh_token != created.data.session.refresh_token


def test_the_same_rpcs_through_envoy(envoy_auth_stub):
    created = _sign_up(envoy_auth_stub)
    with pytest.raises(grpc.RpcError) as caught:
        _sign_up(envoy_auth_stub, email=created.data.user.email)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert _details(caught.value)["ErrorInfo"].reason == "EMAIL_ALREADY_REGISTERED"
