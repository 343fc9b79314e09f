"""Gateway results → seed 001's answers (snake_case keys, amounts as numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import json_format
from google.protobuf.struct_pb2 import ListValue, Struct

from fingate.gateway.v1 import gateway_service_pb2 as pb
from server.gateway.domain import Health, Paid
from server.gateway.models import GatewayIntegration, IntegrationHealth
from server.platform.common.time import rfc3339


def strings(mappings: Mapping[str, ListValue]) -> dict[str, list[str]]:
    """A name → [ids] request map, each id as text."""
    return {
        name: [v if isinstance(v, str) else str(v) for v in json_format.MessageToDict(values)]
        for name, values in mappings.items()
    }


def struct(values: Mapping[str, Any]) -> Struct:
    out = Struct()
    out.update(values)
    return out


def health(row: IntegrationHealth) -> pb.IntegrationHealth:
    out = pb.IntegrationHealth(
        authenticated=row.authenticated, last_check=rfc3339(row.checked_at), status=row.status
    )
    if row.message:
        out.message = row.message
    return out


def integrations(
    rows: Sequence[GatewayIntegration], stored: Mapping[str, IntegrationHealth]
) -> pb.ListIntegrationsResponse:
    listed = []
    for row in rows:
        item = pb.Integration(name=row.name, type=row.type, status=row.status)
        if row.last_authenticated is not None:
            item.last_authenticated = rfc3339(row.last_authenticated)
        listed.append(item)
    return pb.ListIntegrationsResponse(
        success=True,
        integrations=listed,
        health_status={name: health(h) for name, h in stored.items()},
    )


def health_answer(found: Health) -> pb.GetHealthResponse:
    return pb.GetHealthResponse(
        success=True,
        overall_health=found.overall,
        integrations={name: health(h) for name, h in found.integrations.items()},
        timestamp=rfc3339(found.at),
    )


def paid(result: Paid) -> pb.InitiatePaymentResponse:
    p = result.payment
    request = pb.PaymentRequest(
        amount=float(p.amount),
        currency=p.currency,
        from_account=p.from_account,
        to_account=p.to_account,
        description=p.description,
    )
    if p.reference_id:
        request.reference_id = p.reference_id
    return pb.InitiatePaymentResponse(
        success=True,
        transaction_id=str(p.id),
        integration_used=result.integration_used,
        payment_request=request,
    )
