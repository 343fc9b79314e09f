"""A linked Plaid item → seed 004's "Connect Integration" answer."""

from __future__ import annotations

from fingate.integrations.v1 import integration_service_pb2 as pb
from server.banking.api import LinkedItem
from server.platform.common.time import to_timestamp


def connected(linked: LinkedItem) -> pb.ConnectIntegrationResponse:
    return pb.ConnectIntegrationResponse(
        success=True,
        data=pb.ConnectedIntegration(
            id=str(linked.connection_id),
            provider="PLAID",
            status="ACTIVE",
            connected_at=to_timestamp(linked.connected_at),
            message="Plaid integration connected successfully",
        ),
    )
