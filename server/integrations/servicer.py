"""fingate.integrations.v1.IntegrationService: proto in → banking's public API or the app
connections → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.integrations.v1 import integration_service_pb2 as pb
from fingate.integrations.v1 import integration_service_pb2_grpc
from server.apps.domain import CONNECTION_NOT_FOUND, Apps
from server.banking.api import BankingApi
from server.integrations import convert
from server.integrations.catalog import connectable
from server.platform.common.ids import parse_id
from server.platform.errors import NotFound

Ctx = grpc.aio.ServicerContext[Any, Any]


class IntegrationServicer(integration_service_pb2_grpc.IntegrationServiceServicer):
    def __init__(self, banking: BankingApi, apps: Apps):
        self._banking = banking
        self._apps = apps

    async def ListProviders(
        self, request: pb.ListProvidersRequest, context: Ctx
    ) -> pb.ListProvidersResponse:
        return convert.providers()

    async def ListIntegrations(
        self, request: pb.ListIntegrationsRequest, context: Ctx
    ) -> pb.ListIntegrationsResponse:
        apps = await self._apps.organization_connections(["quickbooks"])
        banks = await self._banking.bank_connections("PLAID")
        return convert.integrations(
            [*(convert.from_app(a) for a in apps), *(convert.from_bank(b) for b in banks)]
        )

    async def ConnectIntegration(
        self, request: pb.ConnectIntegrationRequest, context: Ctx
    ) -> pb.ConnectIntegrationResponse:
        provider = connectable(request.provider)
        if provider.provider == "QUICKBOOKS":
            row = await self._apps.complete(
                "quickbooks",
                code=request.code,
                state=request.state,
                error="",
                realm_id=request.realm_id,
            )
            assert row.connected_at is not None
            return convert.connected(str(row.id), provider, row.connected_at)
        # `state` is not checked for PLAID: its link is the public token alone.
        linked = await self._banking.link_plaid_item(request.code.strip(), field="code")
        return convert.connected(str(linked.connection_id), provider, linked.connected_at)

    async def DisconnectIntegration(
        self, request: pb.DisconnectIntegrationRequest, context: Ctx
    ) -> pb.DisconnectIntegrationResponse:
        integration_id = parse_id(request.integration_id.strip())
        if integration_id is None:
            raise NotFound(CONNECTION_NOT_FOUND)
        if not await self._apps.disconnect(integration_id):
            # Not an app connection: a Plaid bank connection of the organization, or nothing.
            banks = await self._banking.bank_connections("PLAID")
            if integration_id not in {b.id for b in banks}:
                raise NotFound(CONNECTION_NOT_FOUND)
            await self._banking.delete_connection(integration_id)
        return pb.DisconnectIntegrationResponse()
