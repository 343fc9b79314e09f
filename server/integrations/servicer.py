"""fingate.integrations.v1.IntegrationService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.integrations.v1 import integration_service_pb2 as pb
from fingate.integrations.v1 import integration_service_pb2_grpc
from server.common.time import to_timestamp
from server.integrations.domain import Integrations

Ctx = grpc.aio.ServicerContext[Any, Any]


class IntegrationServicer(integration_service_pb2_grpc.IntegrationServiceServicer):
    def __init__(self, integrations: Integrations):
        self._integrations = integrations

    async def ConnectIntegration(
        self, request: pb.ConnectIntegrationRequest, context: Ctx
    ) -> pb.ConnectIntegrationResponse:
        c = await self._integrations.connect(request.provider, request.code, request.state)
        return pb.ConnectIntegrationResponse(
            success=True,
            data=pb.ConnectedIntegration(
                id=str(c.id),
                provider=c.provider,
                status=c.status,
                connected_at=to_timestamp(c.connected_at),
                message=c.message,
            ),
        )
