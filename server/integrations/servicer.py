"""fingate.integrations.v1.IntegrationService: proto in → banking's public API → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.integrations.v1 import integration_service_pb2 as pb
from fingate.integrations.v1 import integration_service_pb2_grpc
from server.banking.api import BankingApi
from server.integrations import convert
from server.integrations.catalog import ensure_connectable

Ctx = grpc.aio.ServicerContext[Any, Any]


class IntegrationServicer(integration_service_pb2_grpc.IntegrationServiceServicer):
    def __init__(self, banking: BankingApi):
        self._banking = banking

    async def ConnectIntegration(
        self, request: pb.ConnectIntegrationRequest, context: Ctx
    ) -> pb.ConnectIntegrationResponse:
        ensure_connectable(request.provider)
        # `state` is accepted and not checked: PLAID's link is the public token alone.
        linked = await self._banking.link_plaid_item(request.code.strip(), field="code")
        return convert.connected(linked)
