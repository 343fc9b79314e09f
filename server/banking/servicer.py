"""fingate.banking.v1.BankingService: proto in → domain call → proto out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.struct_pb2 import Struct

from fingate.banking.v1 import account_pb2, banking_service_pb2_grpc
from fingate.banking.v1 import banking_service_pb2 as pb
from server.banking import convert
from server.banking.domain import Banking, Enrollment
from server.banking.filters import account_filter, transaction_filter
from server.platform.context import current_call
from server.platform.errors import NotFound

Ctx = grpc.aio.ServicerContext[Any, Any]
# The gateway's "accounts for a customer" (server/gateway/domain.py), wired by server/app.py so
# banking does not import the gateway: a user id → (customer, accounts by integration) or None.
CustomerAccounts = Callable[[str], Awaitable[tuple[Any, dict[str, Any]] | None]]


def _enrollment(e: account_pb2.TellerEnrollment) -> Enrollment:
    return Enrollment(
        access_token=e.access_token,
        enrollment_id=e.enrollment.id,
        institution_id=e.enrollment.institution.id,
        institution_name=e.enrollment.institution.name,
    )


def _opt(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


class BankingServicer(banking_service_pb2_grpc.BankingServiceServicer):
    def __init__(self, banking: Banking, customer_accounts: CustomerAccounts | None = None):
        self._banking = banking
        self._customer_accounts = customer_accounts

    async def PreviewAccounts(
        self, request: pb.PreviewAccountsRequest, context: Ctx
    ) -> pb.PreviewAccountsResponse:
        return convert.preview(await self._banking.preview(_enrollment(request.enrollment)))

    async def ConnectAccounts(
        self, request: pb.ConnectAccountsRequest, context: Ctx
    ) -> pb.ConnectAccountsResponse:
        linked = await self._banking.connect(
            _enrollment(request.enrollment), list(request.selected_account_ids)
        )
        return convert.connected(linked)

    async def ListAccounts(
        self, request: pb.ListAccountsRequest, context: Ctx
    ) -> pb.ListAccountsResponse:
        f = account_filter(
            page=_opt(request, "page"),
            limit=_opt(request, "limit"),
            type=request.type,
            is_active=_opt(request, "is_active"),
        )
        return convert.accounts(await self._banking.list_accounts(f))

    async def GetAccount(
        self, request: pb.GetAccountRequest, context: Ctx
    ) -> pb.GetAccountResponse:
        # One route, two documents (DESIGN.md "Conflicts"): an account of the organization
        # first; else, for an ADMIN or a service principal (no organization), a customer.
        state = current_call()
        if state.tenant is not None:
            try:
                return convert.account(await self._banking.get_account(request.account_id))
            except NotFound:
                if state.principal is None or state.principal.role != "ADMIN":
                    raise
        found = None
        if self._customer_accounts is not None:
            found = await self._customer_accounts(request.account_id)
        if found is None:
            raise NotFound("Bank account not found")
        customer_id, accounts = found
        grouped = Struct()
        grouped.update(accounts)
        return pb.GetAccountResponse(success=True, customer_id=str(customer_id), accounts=grouped)

    async def ListTransactions(
        self, request: pb.ListTransactionsRequest, context: Ctx
    ) -> pb.ListTransactionsResponse:
        f = transaction_filter(
            page=_opt(request, "page"),
            limit=_opt(request, "limit"),
            account=request.account_id,
            category=request.category,
            start_date=request.start_date,
            end_date=request.end_date,
            min_amount=request.min_amount,
            max_amount=request.max_amount,
            search_text=request.search_text,
        )
        return convert.transactions(await self._banking.list_transactions(f))

    async def SyncAccount(
        self, request: pb.SyncAccountRequest, context: Ctx
    ) -> pb.SyncAccountResponse:
        return convert.queued(
            await self._banking.sync_account(request.account_id, request.sync_type)
        )

    async def GetSpendingByCategory(
        self, request: pb.GetSpendingByCategoryRequest, context: Ctx
    ) -> pb.GetSpendingByCategoryResponse:
        result = await self._banking.spending(
            period=request.period,
            start_date=request.start_date,
            end_date=request.end_date,
            limit=_opt(request, "limit"),
            account=request.account_id,
        )
        return convert.spending(result)
