"""fingate.system.v1.SystemService: health, Swagger UI and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import grpc
from google.api import httpbody_pb2

from fingate.system.v1 import system_service_pb2 as pb
from fingate.system.v1 import system_service_pb2_grpc
from server.platform.common.time import to_timestamp
from server.platform.config import Settings
from server.platform.db.database import Database
from server.platform.errors import NotFound, ServiceUnavailable
from server.platform.jobs.liveness import worker_alive
from server.system import docs

Ctx = grpc.aio.ServicerContext[Any, Any]
log = logging.getLogger("fingate.health")


class SystemServicer(system_service_pb2_grpc.SystemServiceServicer):
    def __init__(self, db: Database, settings: Settings):
        self._db = db
        self._settings = settings

    async def GetHealth(self, request: pb.GetHealthRequest, context: Ctx) -> pb.GetHealthResponse:
        try:
            worker = await worker_alive(
                self._db, stalled_after_s=self._settings.job_stalled_after_s
            )
        except Exception as exc:  # the database check: whatever fails, PostgreSQL is unusable
            log.warning("health: database down", extra={"exc_type": type(exc).__name__})
            raise ServiceUnavailable(
                "Database unavailable", details={"checks": {"database": "down"}}
            ) from None
        # No live worker: mail, syncs and maintenance stand still, but every route still works,
        # so this server stays in rotation (200) and says "degraded" for the operator to see.
        health = pb.Health(
            status="ok" if worker else "degraded",
            version=self._settings.version,
            checks=pb.HealthChecks(database="up", worker="up" if worker else "down"),
            timestamp=to_timestamp(dt.datetime.now(dt.UTC)),
        )
        return pb.GetHealthResponse(success=True, data=health)

    def _docs_enabled(self) -> None:
        if not self._settings.api_docs:
            raise NotFound("Route not found")

    async def GetDocs(self, request: pb.GetDocsRequest, context: Ctx) -> httpbody_pb2.HttpBody:
        self._docs_enabled()
        return httpbody_pb2.HttpBody(
            content_type="text/html; charset=utf-8", data=docs.index_html()
        )

    async def GetDocsAsset(
        self, request: pb.GetDocsAssetRequest, context: Ctx
    ) -> httpbody_pb2.HttpBody:
        self._docs_enabled()
        found = docs.asset(request.path)
        if found is None:
            raise NotFound("Asset not found")
        content_type, data = found
        return httpbody_pb2.HttpBody(content_type=content_type, data=data)

    async def GetOpenApi(
        self, request: pb.GetOpenApiRequest, context: Ctx
    ) -> httpbody_pb2.HttpBody:
        self._docs_enabled()
        return httpbody_pb2.HttpBody(content_type="application/json", data=docs.openapi_json())
