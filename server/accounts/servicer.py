"""fingate.accounts.v1.AccountService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.accounts.v1 import account_pb2, account_service_pb2_grpc
from fingate.accounts.v1 import account_service_pb2 as pb
from server.accounts.domain import Accounts

Ctx = grpc.aio.ServicerContext[Any, Any]


class AccountServicer(account_service_pb2_grpc.AccountServiceServicer):
    def __init__(self, accounts: Accounts):
        self._accounts = accounts

    async def ListAccounts(
        self, request: pb.ListAccountsRequest, context: Ctx
    ) -> pb.ListAccountsResponse:
        return await self._accounts.listing(
            active_only=request.active_only, account_type=request.account_type
        )

    async def GetAccount(self, request: pb.GetAccountRequest, context: Ctx) -> account_pb2.Account:
        return await self._accounts.get(request.account_id)

    async def SyncAccounts(
        self, request: pb.SyncAccountsRequest, context: Ctx
    ) -> pb.SyncAccountsResponse:
        r = await self._accounts.sync(request.connection_id, force=request.force)
        synced = r.created + r.updated + r.unchanged
        return pb.SyncAccountsResponse(
            created=r.created,
            updated=r.updated,
            unchanged=r.unchanged,
            errors=r.errors,
            message=f"Successfully synced {synced} accounts",
            accounts_created=r.created,
            accounts_updated=r.updated,
        )

    async def ListProviderAccounts(
        self, request: pb.ListProviderAccountsRequest, context: Ctx
    ) -> pb.ListProviderAccountsResponse:
        return await self._accounts.by_connection(
            request.connection_id, active_only=request.active_only
        )
