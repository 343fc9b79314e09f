"""GatewayService over gRPC, as internal services call it: the client-credentials exchange,
a payment with its Idempotency-Key in metadata, and who is refused with which status."""

from __future__ import annotations

import uuid

import grpc
import pytest

from fingate.gateway.v1 import gateway_service_pb2 as pb
from fingate.gateway.v1 import gateway_service_pb2_grpc
from server.gateway import principals
from tests.factories.auth import sign_up
from tests.grpc.auth.test_auth_grpc import _details
from tests.rest.gateway.conftest import config_for, rail_account


@pytest.fixture(scope="module")
def stub(channel):
    return gateway_service_pb2_grpc.GatewayServiceStub(channel)


def _auth(token: str, **extra: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}"), *extra.items()]


async def test_a_service_pays_once_per_key_over_grpc(stub, db, stack):
    made = await principals.create(db, f"grpc-{uuid.uuid4().hex[:10]}")
    issued = stub.IssueServiceToken(
        pb.IssueServiceTokenRequest(client_id=made.client_id, client_secret=made.client_secret),
        timeout=10,
    )
    assert issued.token_type == "Bearer" and issued.expires_in > 0
    name = f"Ach_grpc_{uuid.uuid4().hex[:6]}"
    config = pb.RegisterIntegrationRequest(name=name, type="ACH")
    config.config.update(config_for("ACH", stack.sandbox_url))
    stub.RegisterIntegration(config, metadata=_auth(issued.access_token), timeout=10)
    request = pb.InitiatePaymentRequest(
        amount=12.34,
        currency="USD",
        from_account=rail_account(stack, "ach"),
        to_account="payee",
        description="over gRPC",
        preferred_integrations=[name],
    )
    key = ("idempotency-key", f"grpc-{uuid.uuid4()}")
    first = stub.InitiatePayment(request, metadata=[*_auth(issued.access_token), key], timeout=30)
    again = stub.InitiatePayment(request, metadata=[*_auth(issued.access_token), key], timeout=30)
    assert first.integration_used == name and again.transaction_id == first.transaction_id
    assert first.payment_request.amount == pytest.approx(12.34)


def test_refusals_carry_their_codes(stub, rest):
    with pytest.raises(grpc.RpcError) as refused:
        stub.IssueServiceToken(
            pb.IssueServiceTokenRequest(client_id="svc_nobody", client_secret="x"), timeout=10
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _details(refused.value)["ErrorInfo"].reason == "INVALID_CREDENTIALS"
    user = sign_up(rest)
    with pytest.raises(grpc.RpcError) as forbidden:
        stub.ListIntegrations(pb.ListIntegrationsRequest(), metadata=_auth(user.token), timeout=10)
    assert forbidden.value.code() == grpc.StatusCode.PERMISSION_DENIED
    health = stub.GetHealth(pb.GetHealthRequest(), timeout=10)
    assert health.success and health.overall_health in ("healthy", "degraded", "unavailable")
