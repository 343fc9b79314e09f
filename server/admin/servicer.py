"""fingate.admin.v1.AdminService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.admin.v1 import admin_service_pb2 as pb
from fingate.admin.v1 import admin_service_pb2_grpc
from server.admin import convert
from server.admin.domain import Admin
from server.admin.queue import QueueStatsSource
from server.platform.common.pagination import pagination

Ctx = grpc.aio.ServicerContext[Any, Any]


class AdminServicer(admin_service_pb2_grpc.AdminServiceServicer):
    def __init__(self, admin: Admin, queue_stats: QueueStatsSource):
        self._admin = admin
        self._queue_stats = queue_stats

    async def ListUsers(self, request: pb.ListUsersRequest, context: Ctx) -> pb.ListUsersResponse:
        page = await self._admin.list_users(
            role=request.role,
            plan=request.plan,
            search=request.search,
            page=request.page if request.HasField("page") else None,
            limit=request.limit if request.HasField("limit") else None,
        )
        return pb.ListUsersResponse(
            success=True,
            data=[convert.admin_user(row) for row in page.rows],
            pagination=pagination(page.page, page.total),
        )

    async def GetQueueStats(
        self, request: pb.GetQueueStatsRequest, context: Ctx
    ) -> pb.GetQueueStatsResponse:
        stats = await self._queue_stats()
        return pb.GetQueueStatsResponse(success=True, data=convert.queue_stats_to_proto(stats))

    async def GetAnalytics(
        self, request: pb.GetAnalyticsRequest, context: Ctx
    ) -> pb.GetAnalyticsResponse:
        figures = await self._admin.analytics()
        return pb.GetAnalyticsResponse(success=True, data=convert.analytics(figures))
