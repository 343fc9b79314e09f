"""fingate.gateway.v1.GatewayService: proto in → gateway use case → proto out."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format

from fingate.gateway.v1 import gateway_service_pb2 as pb
from fingate.gateway.v1 import gateway_service_pb2_grpc
from server.gateway import convert
from server.gateway.domain import Gateway
from server.gateway.payments import PaymentInput

Ctx = grpc.aio.ServicerContext[Any, Any]


class GatewayServicer(gateway_service_pb2_grpc.GatewayServiceServicer):
    def __init__(self, gateway: Gateway):
        self._gateway = gateway

    async def IssueServiceToken(
        self, request: pb.IssueServiceTokenRequest, context: Ctx
    ) -> pb.IssueServiceTokenResponse:
        issued = await self._gateway.token(request.client_id, request.client_secret)
        return pb.IssueServiceTokenResponse(
            success=True,
            access_token=issued.access_token,
            token_type="Bearer",
            expires_in=issued.expires_in,
        )

    async def ListIntegrations(
        self, request: pb.ListIntegrationsRequest, context: Ctx
    ) -> pb.ListIntegrationsResponse:
        rows, health = await self._gateway.integrations()
        return convert.integrations(rows, health)

    async def RegisterIntegration(
        self, request: pb.RegisterIntegrationRequest, context: Ctx
    ) -> pb.RegisterIntegrationResponse:
        config = json_format.MessageToDict(request.config) if request.HasField("config") else None
        name = await self._gateway.register(request.name, request.type, config)
        return pb.RegisterIntegrationResponse(
            success=True, message=f"Integration {name} registered successfully"
        )

    async def AuthenticateIntegrations(
        self, request: pb.AuthenticateIntegrationsRequest, context: Ctx
    ) -> pb.AuthenticateIntegrationsResponse:
        results = await self._gateway.authenticate_all()
        return pb.AuthenticateIntegrationsResponse(success=True, authentication_results=results)

    async def GetTransactions(
        self, request: pb.GetTransactionsRequest, context: Ctx
    ) -> pb.GetTransactionsResponse:
        found = await self._gateway.transactions(
            convert.strings(request.account_mappings),
            start_date=request.start_date,
            end_date=request.end_date,
            limit=request.limit if request.HasField("limit") else None,
        )
        answer = pb.GetTransactionsResponse(
            success=True, transactions=convert.struct(found.transactions)
        )
        if found.errors:
            answer.errors.CopyFrom(convert.struct(found.errors))
        return answer

    async def InitiatePayment(
        self, request: pb.InitiatePaymentRequest, context: Ctx
    ) -> pb.InitiatePaymentResponse:
        paid = await self._gateway.pay(
            PaymentInput(
                amount=request.amount,
                currency=request.currency,
                from_account=request.from_account,
                to_account=request.to_account,
                description=request.description,
                reference_id=request.reference_id,
                scheduled_date=request.scheduled_date,
                metadata=(
                    json_format.MessageToDict(request.metadata)
                    if request.HasField("metadata")
                    else None
                ),
                preferred=list(request.preferred_integrations),
            )
        )
        return convert.paid(paid)

    async def GetPaymentStatus(
        self, request: pb.GetPaymentStatusRequest, context: Ctx
    ) -> pb.GetPaymentStatusResponse:
        found = await self._gateway.payment_status(convert.strings(request.transaction_mappings))
        return pb.GetPaymentStatusResponse(success=True, payment_status=found)

    async def GetHealth(self, request: pb.GetHealthRequest, context: Ctx) -> pb.GetHealthResponse:
        return convert.health_answer(await self._gateway.health())
