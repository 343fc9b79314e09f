"""SubscriptionService over gRPC: the catalog's Values and the declined card's details."""

import grpc
import pytest
from google.protobuf import struct_pb2

from fingate.auth.v1 import auth_service_pb2
from fingate.subscriptions.v1 import subscription_service_pb2 as pb
from fingate.subscriptions.v1 import subscription_service_pb2_grpc
from tests.factories.auth import PASSWORD, unique_email
from tests.grpc.auth.test_auth_grpc import _details


@pytest.fixture(scope="module")
def stub(channel):
    return subscription_service_pb2_grpc.SubscriptionServiceStub(channel)


def test_list_plans_needs_no_token_and_unlimited_is_null(stub):
    reply = stub.ListPlans(pb.ListPlansRequest(), timeout=10)
    plans = {p.id: p for p in reply.data}
    assert plans["plan_free"].limits.max_wallets.number_value == 3
    unlimited = plans["plan_ultimate"].limits.max_wallets
    assert unlimited.WhichOneof("kind") == "null_value"
    assert unlimited.null_value == struct_pb2.NULL_VALUE


def test_declined_card_is_invalid_argument_with_a_field_violation(stub, auth_stub):
    signed = auth_stub.SignUp(
        auth_service_pb2.SignUpRequest(
            email=unique_email(), password=PASSWORD, first_name="Ada", last_name="Lovelace"
        ),
        timeout=10,
    )
    metadata = [("authorization", f"Bearer {signed.data.session.token}")]
    request = pb.SubscribeRequest(plan_id="plan_pro", payment_method_id="pm_card_declined")
    with pytest.raises(grpc.RpcError) as caught:
        stub.Subscribe(request, metadata=metadata, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    found = _details(caught.value)
    assert found["ErrorInfo"].reason == "INVALID_INPUT"
    violations = found["BadRequest"].field_violations
    assert [(v.field, v.description) for v in violations] == [("paymentMethodId", "was declined")]
