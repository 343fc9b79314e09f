"""Connected integrations → seed 004's "Integration Endpoints" answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from fingate.integrations.v1 import integration_service_pb2 as pb
from server.apps.models import AppConnection
from server.banking.api import BankConnectionRecord
from server.integrations.catalog import PROVIDERS, STATUSES, ProviderInfo
from server.platform.common.nulls import text_or_null, time_or_null
from server.platform.common.time import to_timestamp


def connected(
    connection_id: str, provider: ProviderInfo, connected_at: dt.datetime
) -> pb.ConnectIntegrationResponse:
    return pb.ConnectIntegrationResponse(
        success=True,
        data=pb.ConnectedIntegration(
            id=connection_id,
            provider=provider.provider,
            status="ACTIVE",
            connected_at=to_timestamp(connected_at),
            message=f"{provider.name.removesuffix(' Online')} integration connected successfully",
        ),
    )


def providers() -> pb.ListProvidersResponse:
    rows = [
        pb.Provider(
            provider=p.provider,
            name=p.name,
            description=p.description,
            auth_type=p.auth_type,
            webhook_support=p.webhook_support,
            features=p.features,
            logo=p.logo,
            status=p.status,
        )
        for p in PROVIDERS.values()
    ]
    return pb.ListProvidersResponse(
        success=True, data=pb.ProviderList(providers=rows, count=len(rows))
    )


def from_app(row: AppConnection) -> tuple[dt.datetime, pb.Integration]:
    frequency = str((row.settings or {}).get("syncFrequency") or "daily")
    return row.created_at, pb.Integration(
        id=str(row.id),
        provider="QUICKBOOKS",
        provider_name=PROVIDERS["QUICKBOOKS"].name,
        status=STATUSES.get(row.status, row.status.upper()),
        last_sync_at=time_or_null(row.last_sync_at),
        last_sync_status=text_or_null(row.sync_status.upper() if row.sync_status else None),
        auto_sync=frequency != "manual",
        sync_frequency=frequency.upper(),
        connected_at=time_or_null(row.connected_at),
    )


def from_bank(row: BankConnectionRecord) -> tuple[dt.datetime, pb.Integration]:
    synced = row.last_sync_at is not None
    return row.connected_at, pb.Integration(
        id=str(row.id),
        provider="PLAID",
        provider_name=PROVIDERS["PLAID"].name,
        status=row.status,
        last_sync_at=time_or_null(row.last_sync_at),
        last_sync_status=text_or_null(row.last_sync_status if synced else None),
        # Bank connections sync on the banking schedule (seed 000).
        auto_sync=True,
        sync_frequency="DAILY",
        connected_at=time_or_null(row.connected_at),
    )


def integrations(
    rows: Iterable[tuple[dt.datetime, pb.Integration]],
) -> pb.ListIntegrationsResponse:
    ordered = [i for _, i in sorted(rows, key=lambda r: (r[0], r[1].id), reverse=True)]
    return pb.ListIntegrationsResponse(
        success=True, data=pb.IntegrationList(integrations=ordered, count=len(ordered))
    )
