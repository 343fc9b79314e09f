"""fingate.banking.v1.ConnectionService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.banking.v1 import connection_service_pb2 as pb
from fingate.banking.v1 import connection_service_pb2_grpc
from server.banking.connections.domain import DELETED, DISCONNECTED, RECONNECTED, Connections

Ctx = grpc.aio.ServicerContext[Any, Any]


class ConnectionServicer(connection_service_pb2_grpc.ConnectionServiceServicer):
    def __init__(self, connections: Connections):
        self._connections = connections

    async def ListConnections(
        self, request: pb.ListConnectionsRequest, context: Ctx
    ) -> pb.ListConnectionsResponse:
        return await self._connections.listing(
            status=request.status,
            page=request.page if request.HasField("page") else None,
            limit=request.limit if request.HasField("limit") else None,
        )

    async def GetConnection(
        self, request: pb.GetConnectionRequest, context: Ctx
    ) -> pb.GetConnectionResponse:
        found = await self._connections.get(request.connection_id)
        return pb.GetConnectionResponse(success=True, data=found)

    async def ReconnectConnection(
        self, request: pb.ReconnectConnectionRequest, context: Ctx
    ) -> pb.ReconnectConnectionResponse:
        found = await self._connections.reconnect(request.connection_id)
        return pb.ReconnectConnectionResponse(success=True, message=RECONNECTED, data=found)

    async def DisconnectConnection(
        self, request: pb.DisconnectConnectionRequest, context: Ctx
    ) -> pb.DisconnectConnectionResponse:
        found = await self._connections.disconnect(request.connection_id)
        return pb.DisconnectConnectionResponse(success=True, message=DISCONNECTED, data=found)

    async def DeleteConnection(
        self, request: pb.DeleteConnectionRequest, context: Ctx
    ) -> pb.DeleteConnectionResponse:
        await self._connections.delete(request.connection_id)
        return pb.DeleteConnectionResponse(success=True, message=DELETED)
