"""fingate.networth.v1.NetWorthService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.networth.v1 import networth_service_pb2 as pb
from fingate.networth.v1 import networth_service_pb2_grpc
from server.networth import convert
from server.networth.domain import AssetChange, NetWorth, NewAssetAccount

Ctx = grpc.aio.ServicerContext[Any, Any]


def _opt(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


class NetWorthServicer(networth_service_pb2_grpc.NetWorthServiceServicer):
    def __init__(self, networth: NetWorth):
        self._networth = networth

    async def CreateAssetAccount(
        self, request: pb.CreateAssetAccountRequest, context: Ctx
    ) -> pb.CreateAssetAccountResponse:
        row = await self._networth.create(
            NewAssetAccount(
                name=request.name,
                type=request.type,
                balance=request.balance,
                currency=request.currency,
                description=request.asset_description,
                original_value=_opt(request, "original_value"),
                purchase_date=request.purchase_date,
                appreciation_rate=_opt(request, "appreciation_rate"),
                street=request.address,
                city=request.city,
                state=request.state,
                country=request.country,
                postal_code=request.postal_code,
            )
        )
        return convert.created(row)

    async def ListAssetAccounts(
        self, request: pb.ListAssetAccountsRequest, context: Ctx
    ) -> pb.ListAssetAccountsResponse:
        page = await self._networth.listing(
            type=request.type, page=_opt(request, "page"), limit=_opt(request, "limit")
        )
        return convert.listing(page)

    async def UpdateAssetAccount(
        self, request: pb.UpdateAssetAccountRequest, context: Ctx
    ) -> pb.UpdateAssetAccountResponse:
        row = await self._networth.update(
            request.account_id,
            AssetChange(
                name=_opt(request, "name"),
                balance=_opt(request, "balance"),
                appreciation_rate=_opt(request, "appreciation_rate"),
                description=_opt(request, "asset_description"),
                original_value=_opt(request, "original_value"),
            ),
        )
        return convert.updated(row)

    async def DeleteAssetAccount(
        self, request: pb.DeleteAssetAccountRequest, context: Ctx
    ) -> pb.DeleteAssetAccountResponse:
        await self._networth.delete(request.account_id)
        return pb.DeleteAssetAccountResponse()

    async def GetHistory(
        self, request: pb.GetHistoryRequest, context: Ctx
    ) -> pb.GetHistoryResponse:
        view = await self._networth.history(
            period=request.period,
            granularity=request.granularity,
            start_date=request.start_date,
            end_date=request.end_date,
        )
        return convert.history(view)

    async def ListSnapshots(
        self, request: pb.ListSnapshotsRequest, context: Ctx
    ) -> pb.ListSnapshotsResponse:
        page = await self._networth.snapshots(
            granularity=request.granularity,
            start_date=request.start_date,
            end_date=request.end_date,
            page=_opt(request, "page"),
            limit=_opt(request, "limit"),
        )
        return convert.snapshots(page)

    async def GetSummary(
        self, request: pb.GetSummaryRequest, context: Ctx
    ) -> pb.GetSummaryResponse:
        return convert.summary(await self._networth.summary(period=request.period))
