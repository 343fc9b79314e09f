"""fingate.apps.v1.AppService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.apps.v1 import app_service_pb2 as pb
from fingate.apps.v1 import app_service_pb2_grpc
from server.apps import convert
from server.apps.domain import Apps, Authorization, SettingsChange
from server.platform.common.time import to_timestamp

Ctx = grpc.aio.ServicerContext[Any, Any]


def _opt(message: Any, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


class AppServicer(app_service_pb2_grpc.AppServiceServicer):
    def __init__(self, apps: Apps):
        self._apps = apps

    async def ListServices(
        self, request: pb.ListServicesRequest, context: Ctx
    ) -> pb.ListServicesResponse:
        return convert.services(await self._apps.catalog())

    async def ListConnections(
        self, request: pb.ListConnectionsRequest, context: Ctx
    ) -> pb.ListConnectionsResponse:
        rows = await self._apps.mine(service=request.service, status=request.status)
        return pb.ListConnectionsResponse(
            success=True, connections=[convert.connection(r) for r in rows]
        )

    async def CreateConnection(
        self, request: pb.CreateConnectionRequest, context: Ctx
    ) -> pb.CreateConnectionResponse:
        started = await self._apps.create(
            request.service, list(request.permissions), request.redirect_uri
        )
        return pb.CreateConnectionResponse(success=True, **_authorization(started))

    async def GetConnection(
        self, request: pb.GetConnectionRequest, context: Ctx
    ) -> pb.GetConnectionResponse:
        row = await self._apps.get(request.connection_id)
        return pb.GetConnectionResponse(
            success=True, connection=convert.connection(row, with_settings=True)
        )

    async def UpdateConnection(
        self, request: pb.UpdateConnectionRequest, context: Ctx
    ) -> pb.UpdateConnectionResponse:
        change = None
        if request.HasField("settings"):
            change = SettingsChange(
                sync_frequency=_opt(request.settings, "sync_frequency"),
                webhook_url=_opt(request.settings, "webhook_url"),
            )
        row = await self._apps.update(request.connection_id, change, list(request.permissions))
        return convert.updated(row)

    async def DeleteConnection(
        self, request: pb.DeleteConnectionRequest, context: Ctx
    ) -> pb.DeleteConnectionResponse:
        await self._apps.delete(request.connection_id)
        return pb.DeleteConnectionResponse(success=True, message="Connection deleted successfully")

    async def TriggerSync(
        self, request: pb.TriggerSyncRequest, context: Ctx
    ) -> pb.TriggerSyncResponse:
        run = await self._apps.trigger_sync(
            request.connection_id, request.sync_type, list(request.data_types)
        )
        return pb.TriggerSyncResponse(
            success=True,
            sync_id=str(run.id),
            status=run.status,
            started_at=to_timestamp(run.started_at),
        )

    async def GetSyncStatus(
        self, request: pb.GetSyncStatusRequest, context: Ctx
    ) -> pb.GetSyncStatusResponse:
        run = await self._apps.sync_status(request.connection_id)
        return pb.GetSyncStatusResponse(success=True, sync=convert.sync_run(run))

    async def StartOAuth(
        self, request: pb.StartOAuthRequest, context: Ctx
    ) -> pb.StartOAuthResponse:
        started = await self._apps.start(
            request.service, request.redirect_uri, request.scopes, request.state
        )
        return pb.StartOAuthResponse(success=True, auth_url=started.auth_url, state=started.state)

    async def CompleteOAuth(
        self, request: pb.CompleteOAuthRequest, context: Ctx
    ) -> pb.CompleteOAuthResponse:
        row = await self._apps.complete(
            request.service,
            code=request.code,
            state=request.state,
            error=request.error,
            realm_id=request.realm_id,
        )
        return pb.CompleteOAuthResponse(
            success=True, connection_id=str(row.id), message="Integration connected successfully"
        )

    async def RefreshToken(
        self, request: pb.RefreshTokenRequest, context: Ctx
    ) -> pb.RefreshTokenResponse:
        row = await self._apps.refresh(request.service, request.connection_id)
        return convert.refreshed(row)


def _authorization(started: Authorization) -> dict[str, str]:
    return {
        "connection_id": str(started.connection_id),
        "auth_url": started.auth_url,
        "state": started.state,
    }
