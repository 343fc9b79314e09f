"""fingate.crypto.v1.CryptoService: proto in → domain call → proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf.struct_pb2 import Struct

from fingate.crypto.v1 import crypto_service_pb2 as pb
from fingate.crypto.v1 import crypto_service_pb2_grpc
from server.crypto import convert
from server.crypto.domain import NewWallet, WalletChange, Wallets
from server.crypto.stream import SyncStreams

Ctx = grpc.aio.ServicerContext[Any, Any]


def _opt(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


class CryptoServicer(crypto_service_pb2_grpc.CryptoServiceServicer):
    def __init__(self, wallets: Wallets, streams: SyncStreams):
        self._wallets = wallets
        self._streams = streams

    async def ListWallets(
        self, request: pb.ListWalletsRequest, context: Ctx
    ) -> pb.ListWalletsResponse:
        page = await self._wallets.listing(
            page=_opt(request, "page"),
            limit=_opt(request, "limit"),
            network=request.network,
            is_active=_opt(request, "is_active"),
        )
        return convert.wallets(page)

    async def AddWallet(self, request: pb.AddWalletRequest, context: Ctx) -> pb.AddWalletResponse:
        wallet = await self._wallets.add(
            NewWallet(
                name=request.name,
                address=request.address,
                network=request.network,
                type=request.type,
                notes=request.notes,
            )
        )
        return convert.created(wallet)

    async def GetWallet(self, request: pb.GetWalletRequest, context: Ctx) -> pb.GetWalletResponse:
        return convert.detail(await self._wallets.get(request.wallet_id))

    async def UpdateWallet(
        self, request: pb.UpdateWalletRequest, context: Ctx
    ) -> pb.UpdateWalletResponse:
        wallet = await self._wallets.update(
            request.wallet_id,
            WalletChange(
                name=_opt(request, "name"),
                notes=_opt(request, "notes"),
                is_active=_opt(request, "is_active"),
            ),
        )
        return convert.updated(wallet)

    async def DeleteWallet(
        self, request: pb.DeleteWalletRequest, context: Ctx
    ) -> pb.DeleteWalletResponse:
        await self._wallets.delete(request.wallet_id)
        return pb.DeleteWalletResponse()

    async def GetPortfolio(
        self, request: pb.GetPortfolioRequest, context: Ctx
    ) -> pb.GetPortfolioResponse:
        return convert.portfolio(await self._wallets.portfolio())

    async def SyncWallet(
        self, request: pb.SyncWalletRequest, context: Ctx
    ) -> pb.SyncWalletResponse:
        queued = await self._wallets.sync(
            request.wallet_id, sync_types=list(request.sync_types), full_sync=request.full_sync
        )
        return convert.queued(queued)

    async def ListWalletTransactions(
        self, request: pb.ListWalletTransactionsRequest, context: Ctx
    ) -> pb.ListWalletTransactionsResponse:
        page = await self._wallets.transactions(
            request.wallet_id,
            page=_opt(request, "page"),
            limit=_opt(request, "limit"),
            start_date=request.start_date,
            end_date=request.end_date,
            type=request.type,
        )
        return convert.transactions(page)

    async def ListWalletNfts(
        self, request: pb.ListWalletNftsRequest, context: Ctx
    ) -> pb.ListWalletNftsResponse:
        page = await self._wallets.nfts(
            request.wallet_id,
            page=_opt(request, "page"),
            limit=_opt(request, "limit"),
            collection=request.collection,
        )
        return convert.nfts(page)

    async def ListWalletDefiPositions(
        self, request: pb.ListWalletDefiPositionsRequest, context: Ctx
    ) -> pb.ListWalletDefiPositionsResponse:
        return convert.defi(await self._wallets.defi(request.wallet_id))

    async def StreamSyncProgress(
        self, request: pb.StreamSyncProgressRequest, context: Ctx
    ) -> AsyncIterator[Struct]:
        async for event in self._streams.follow():
            yield convert.event(event)
