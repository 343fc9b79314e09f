"""fingate.accounts.v1.AccountService: proto in → banking's public API → proto out.

The two lists are cached under the documented `user:{userId}:accounts` key, one field per
organization and query, as the serialized answers (server/platform/cache/responses.py)."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.accounts.v1 import account_pb2, account_service_pb2_grpc
from fingate.accounts.v1 import account_service_pb2 as pb
from server.accounts import convert
from server.accounts.ids import account_id_of, connection_id_of, sync_connection_id
from server.accounts.types import normal_type
from server.banking.api import BankingApi, account_lists_key
from server.platform.cache.responses import read_through
from server.platform.cache.store import Cache
from server.platform.context import principal, tenant

Ctx = grpc.aio.ServicerContext[Any, Any]


class AccountServicer(account_service_pb2_grpc.AccountServiceServicer):
    def __init__(self, banking: BankingApi, cache: Cache):
        self._banking = banking
        self._cache = cache

    async def ListAccounts(
        self, request: pb.ListAccountsRequest, context: Ctx
    ) -> pb.ListAccountsResponse:
        active_only, account_type = request.active_only, normal_type(request.account_type)

        async def build() -> pb.ListAccountsResponse:
            rows = await self._banking.list_accounts(
                active_only=active_only, subtype=account_type or None
            )
            return convert.account_list(pb.ListAccountsResponse, rows)

        variant = f"{tenant().organization_id}|all|{int(active_only)}|{account_type}"
        key = account_lists_key(principal().user_id)
        return await read_through(self._cache, key, variant, pb.ListAccountsResponse, build)

    async def GetAccount(self, request: pb.GetAccountRequest, context: Ctx) -> account_pb2.Account:
        aid = account_id_of(request.account_id)
        return convert.account(await self._banking.get_account_or_raise(aid))

    async def SyncAccounts(
        self, request: pb.SyncAccountsRequest, context: Ctx
    ) -> pb.SyncAccountsResponse:
        cid = sync_connection_id(request.connection_id)
        return convert.synced(await self._banking.sync_accounts(cid, force=request.force))

    async def ListProviderAccounts(
        self, request: pb.ListProviderAccountsRequest, context: Ctx
    ) -> pb.ListProviderAccountsResponse:
        cid, active_only = connection_id_of(request.connection_id), request.active_only

        async def build() -> pb.ListProviderAccountsResponse:
            rows = await self._banking.list_accounts(connection_id=cid, active_only=active_only)
            return convert.account_list(pb.ListProviderAccountsResponse, rows)

        variant = f"{tenant().organization_id}|connection:{cid}|{int(active_only)}"
        key = account_lists_key(principal().user_id)
        return await read_through(self._cache, key, variant, pb.ListProviderAccountsResponse, build)
