"""fingate.accounts.v1.AccountService: proto in → domain call → proto out.

The two lists are cached under the documented `user:{userId}:accounts` key, one field per
organization and query, as the serialized answers (server/cache/responses.py)."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.accounts.v1 import account_pb2, account_service_pb2_grpc
from fingate.accounts.v1 import account_service_pb2 as pb
from server.accounts import convert
from server.accounts.domain import Accounts, connection_id_of, normal_type
from server.banking import cache_keys as keys
from server.cache.responses import read_through
from server.cache.store import Cache
from server.context import principal, tenant

Ctx = grpc.aio.ServicerContext[Any, Any]


class AccountServicer(account_service_pb2_grpc.AccountServiceServicer):
    def __init__(self, accounts: Accounts, cache: Cache):
        self._accounts = accounts
        self._cache = cache

    async def ListAccounts(
        self, request: pb.ListAccountsRequest, context: Ctx
    ) -> pb.ListAccountsResponse:
        active_only, account_type = request.active_only, normal_type(request.account_type)

        async def build() -> pb.ListAccountsResponse:
            rows = await self._accounts.listing(active_only=active_only, account_type=account_type)
            return convert.account_list(pb.ListAccountsResponse, list(rows))

        variant = f"{tenant().organization_id}|all|{int(active_only)}|{account_type}"
        key = keys.user_accounts(principal().user_id)
        return await read_through(self._cache, key, variant, pb.ListAccountsResponse, build)

    async def GetAccount(self, request: pb.GetAccountRequest, context: Ctx) -> account_pb2.Account:
        return convert.account(await self._accounts.get(request.account_id))

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
        cid, active_only = connection_id_of(request.connection_id), request.active_only

        async def build() -> pb.ListProviderAccountsResponse:
            rows = await self._accounts.by_connection(cid, active_only=active_only)
            return convert.account_list(pb.ListProviderAccountsResponse, list(rows))

        variant = f"{tenant().organization_id}|connection:{cid}|{int(active_only)}"
        key = keys.user_accounts(principal().user_id)
        return await read_through(self._cache, key, variant, pb.ListProviderAccountsResponse, build)
