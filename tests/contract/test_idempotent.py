"""Which RPCs take an Idempotency-Key (the contract's `idempotent` option), and what the
registry refuses to mark."""

from __future__ import annotations

import pytest
from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2, descriptor_pool

from fingate.common.v1 import options_pb2
from server.app import SERVICE_MODULES
from server.platform.contract.registry import Registry


def test_the_creates_that_call_providers_or_start_billing_are_idempotent():
    registry = Registry.from_modules(SERVICE_MODULES)
    assert [s.path for s in registry.specs() if s.idempotent] == [
        "/fingate.banking.v1.BankingService/ConnectAccounts",
        "/fingate.gateway.v1.GatewayService/InitiatePayment",
        "/fingate.integrations.v1.IntegrationService/ConnectIntegration",
        "/fingate.subscriptions.v1.SubscriptionService/Subscribe",
    ]


def _service(*, public: bool, streaming: bool) -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    for dep in (descriptor_pb2, http_pb2, annotations_pb2, options_pb2):
        pool.Add(descriptor_pb2.FileDescriptorProto.FromString(dep.DESCRIPTOR.serialized_pb))
    file = descriptor_pb2.FileDescriptorProto(
        name="sample/v1/sample.proto",
        package="sample.v1",
        syntax="proto3",
        dependency=["fingate/common/v1/options.proto"],
    )
    file.message_type.add(name="CreateRequest")
    file.message_type.add(name="CreateResponse")
    method = file.service.add(name="SampleService").method.add(
        name="Create",
        input_type=".sample.v1.CreateRequest",
        output_type=".sample.v1.CreateResponse",
        server_streaming=streaming,
    )
    method.options.Extensions[options_pb2.access].public = public
    method.options.Extensions[options_pb2.idempotent] = True
    pool.Add(file)
    return pool


@pytest.mark.parametrize(("public", "streaming"), [(True, False), (False, True)])
def test_a_public_or_streaming_rpc_cannot_be_idempotent(public, streaming):
    service = _service(public=public, streaming=streaming).FindServiceByName(
        "sample.v1.SampleService"
    )
    with pytest.raises(ValueError, match="idempotent RPCs must be unary"):
        Registry([service])


def test_a_signed_in_unary_rpc_can_be_idempotent():
    service = _service(public=False, streaming=False).FindServiceByName("sample.v1.SampleService")
    assert Registry([service]).get("/sample.v1.SampleService/Create").idempotent
