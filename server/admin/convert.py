"""Admin rows and figures → protos; the only place the two meet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping

from fingate.admin.v1 import admin_service_pb2 as pb
from server.admin.domain import AnalyticsFigures
from server.admin.queue import QueueStatsLike
from server.platform.common.nulls import time_or_null
from server.platform.common.time import to_timestamp


def admin_user(m: RowMapping) -> pb.AdminUser:
    """A row of repository.USER_COLUMNS."""
    msg = pb.AdminUser(
        id=str(m["id"]),
        email=m["email"],
        first_name=m["first_name"],
        last_name=m["last_name"],
        role=m["role"],
        current_plan=m["current_plan"],
        email_verified=m["email_verified"],
        created_at=to_timestamp(m["created_at"]),
    )
    msg.last_login_at.CopyFrom(time_or_null(m["last_login_at"]))
    return msg


def queue_stats_to_proto(stats: Sequence[QueueStatsLike]) -> pb.QueueStatsData:
    return pb.QueueStatsData(
        queues=[
            pb.QueueStats(
                name=q.name,
                processed=q.processed,
                failed=q.failed,
                completed=q.completed,
                waiting=q.waiting,
                active=q.active,
                delayed=q.delayed,
                average_processing_time=q.average_processing_ms,
                last_job_timestamp=q.last_job_timestamp,
                health_status=q.health_status,
            )
            for q in stats
        ]
    )


def analytics(figures: AnalyticsFigures) -> pb.Analytics:
    u, w, a = figures.users, figures.wallets, figures.api
    return pb.Analytics(
        users=pb.UserFigures(
            total=u.total, active_24h=u.active_24h, active_7d=u.active_7d, new_today=u.new_today
        ),
        wallets=pb.WalletFigures(
            total=w.total, active_sync=w.active_sync, recent_sync_24h=w.recent_sync_24h
        ),
        api=pb.ApiFigures(
            requests_total=a.requests_total,
            error_rate=a.error_rate,
            average_response_time=a.average_ms,
            top_endpoints=[
                pb.EndpointFigures(endpoint=e.endpoint, count=e.count, average_time=e.average_ms)
                for e in a.top_endpoints
            ],
        ),
    )
