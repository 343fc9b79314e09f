"""fingate.banking.v1.ConnectionService: proto in → domain call → proto out.

The two reads are cached under the documented keys (`user:{userId}:connections`, field
organization|status|page|limit; `connectionId:{connectionId}`, field organization), as the
serialized answers: server/platform/cache/responses.py.
"""

from __future__ import annotations

from typing import Any

import grpc

from fingate.banking.v1 import connection_service_pb2 as pb
from fingate.banking.v1 import connection_service_pb2_grpc
from server.banking import cache_keys as keys
from server.banking.connections import convert
from server.banking.connections.domain import (
    DELETED,
    DISCONNECTED,
    RECONNECTED,
    Connections,
    connection_id_of,
)
from server.platform.cache.responses import read_through
from server.platform.cache.store import Cache
from server.platform.common.pagination import page_request, pagination
from server.platform.context import principal, tenant

Ctx = grpc.aio.ServicerContext[Any, Any]


class ConnectionServicer(connection_service_pb2_grpc.ConnectionServiceServicer):
    def __init__(self, connections: Connections, cache: Cache):
        self._connections = connections
        self._cache = cache

    async def ListConnections(
        self, request: pb.ListConnectionsRequest, context: Ctx
    ) -> pb.ListConnectionsResponse:
        page = page_request(
            request.page if request.HasField("page") else None,
            request.limit if request.HasField("limit") else None,
        )
        status = request.status.upper()

        async def build() -> pb.ListConnectionsResponse:
            found = await self._connections.listing(status=status, page=page)
            return pb.ListConnectionsResponse(
                success=True,
                data=[convert.view(r) for r in found.rows],
                pagination=pagination(found.page, found.total),
            )

        variant = f"{tenant().organization_id}|{status}|{page.page}|{page.limit}"
        key = keys.user_connections(principal().user_id)
        return await read_through(self._cache, key, variant, pb.ListConnectionsResponse, build)

    async def GetConnection(
        self, request: pb.GetConnectionRequest, context: Ctx
    ) -> pb.GetConnectionResponse:
        cid = connection_id_of(request.connection_id)

        async def build() -> pb.GetConnectionResponse:
            found = convert.view(await self._connections.get(cid))
            return pb.GetConnectionResponse(success=True, data=found)

        key, variant = keys.connection(cid), str(tenant().organization_id)
        return await read_through(self._cache, key, variant, pb.GetConnectionResponse, build)

    async def ReconnectConnection(
        self, request: pb.ReconnectConnectionRequest, context: Ctx
    ) -> pb.ReconnectConnectionResponse:
        found = convert.view(await self._connections.reconnect(request.connection_id))
        return pb.ReconnectConnectionResponse(success=True, message=RECONNECTED, data=found)

    async def DisconnectConnection(
        self, request: pb.DisconnectConnectionRequest, context: Ctx
    ) -> pb.DisconnectConnectionResponse:
        found = convert.view(await self._connections.disconnect(request.connection_id))
        return pb.DisconnectConnectionResponse(success=True, message=DISCONNECTED, data=found)

    async def DeleteConnection(
        self, request: pb.DeleteConnectionRequest, context: Ctx
    ) -> pb.DeleteConnectionResponse:
        await self._connections.delete(request.connection_id)
        return pb.DeleteConnectionResponse(success=True, message=DELETED)
