"""App connections → seed 002's answers (and seed 004's integration rows)."""

from __future__ import annotations

from collections.abc import Sequence

from fingate.apps.v1 import app_service_pb2 as pb
from fingate.apps.v1 import connection_pb2 as cpb
from server.apps import catalog
from server.apps.catalog import ServiceInfo
from server.apps.models import AppConnection, SyncRun
from server.platform.common.nulls import text_or_null, time_or_null
from server.platform.common.time import to_timestamp


def services(entries: Sequence[tuple[ServiceInfo, bool]]) -> pb.ListServicesResponse:
    return pb.ListServicesResponse(
        success=True,
        integrations=[
            cpb.Service(
                id=info.id,
                name=info.name,
                description=info.description,
                category=info.category,
                icon=info.icon,
                features=info.features,
                is_available=True,
                is_connected=connected,
            )
            for info, connected in entries
        ],
    )


def settings(row: AppConnection) -> cpb.ConnectionSettings:
    values = row.settings or {}
    out = cpb.ConnectionSettings(
        sync_frequency=values.get("syncFrequency") or catalog.DEFAULT_SYNC_FREQUENCY
    )
    if values.get("webhookUrl"):
        out.webhook_url = values["webhookUrl"]
    return out


def connection(row: AppConnection, *, with_settings: bool = False) -> cpb.Connection:
    out = cpb.Connection(
        id=str(row.id),
        service=row.service,
        service_name=catalog.SERVICES[row.service].name,
        status=row.status,
        connected_at=time_or_null(row.connected_at),
        last_sync_at=time_or_null(row.last_sync_at),
        sync_status=text_or_null(row.sync_status),
        permissions=row.permissions,
        expires_at=time_or_null(row.expires_at if row.access_token else None),
    )
    if with_settings:
        out.settings.CopyFrom(settings(row))
    return out


def updated(row: AppConnection) -> pb.UpdateConnectionResponse:
    return pb.UpdateConnectionResponse(
        success=True,
        connection=cpb.UpdatedConnection(
            id=str(row.id),
            settings=settings(row),
            permissions=row.permissions,
            updated_at=to_timestamp(row.updated_at),
        ),
    )


def refreshed(row: AppConnection) -> pb.RefreshTokenResponse:
    return pb.RefreshTokenResponse(
        success=True,
        connection=cpb.RefreshedConnection(
            id=str(row.id), status=row.status, expires_at=time_or_null(row.expires_at)
        ),
    )


def sync_run(run: SyncRun) -> cpb.SyncRun:
    return cpb.SyncRun(
        id=str(run.id),
        connection_id=str(run.connection_id),
        status=run.status,
        sync_type=run.sync_type,
        started_at=to_timestamp(run.started_at),
        completed_at=time_or_null(run.completed_at),
        records_processed=run.records_processed,
        records_synced=run.records_synced,
        errors=run.errors,
        data_types=run.data_types,
    )
