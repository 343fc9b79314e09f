"""fingate.system.v1.SystemService: health, Swagger UI and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
from google.api import httpbody_pb2

from fingate.system.v1 import system_service_pb2 as pb
from fingate.system.v1 import system_service_pb2_grpc
from server.common.time import to_timestamp
from server.config import Settings
from server.db.database import Database
from server.errors import NotFound, ServiceUnavailable
from server.system import docs

Ctx = grpc.aio.ServicerContext[Any, Any]


class SystemServicer(system_service_pb2_grpc.SystemServiceServicer):
    def __init__(self, db: Database, settings: Settings):
        self._db = db
        self._settings = settings

    async def GetHealth(self, request: pb.GetHealthRequest, context: Ctx) -> pb.GetHealthResponse:
        if not await self._db.ping():
            raise ServiceUnavailable(
                "Database unavailable", details={"checks": {"database": "down"}}
            )
        health = pb.Health(
            status="ok",
            version=self._settings.version,
            checks=pb.HealthChecks(database="up"),
            timestamp=to_timestamp(dt.datetime.now(dt.UTC)),
        )
        return pb.GetHealthResponse(success=True, data=health)

    async def GetDocs(self, request: pb.GetDocsRequest, context: Ctx) -> httpbody_pb2.HttpBody:
        return httpbody_pb2.HttpBody(
            content_type="text/html; charset=utf-8", data=docs.index_html()
        )

    async def GetDocsAsset(
        self, request: pb.GetDocsAssetRequest, context: Ctx
    ) -> httpbody_pb2.HttpBody:
        found = docs.asset(request.path)
        if found is None:
            raise NotFound("Asset not found")
        content_type, data = found
        return httpbody_pb2.HttpBody(content_type=content_type, data=data)

    async def GetOpenApi(
        self, request: pb.GetOpenApiRequest, context: Ctx
    ) -> httpbody_pb2.HttpBody:
        return httpbody_pb2.HttpBody(content_type="application/json", data=docs.openapi_json())
