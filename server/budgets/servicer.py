"""fingate.budgets.v1.BudgetService: proto in → domain call → proto out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc

from fingate.budgets.v1 import budget_pb2, budget_service_pb2_grpc
from fingate.budgets.v1 import budget_service_pb2 as pb
from server.budgets import convert
from server.budgets.domain import AlertInput, BudgetChange, Budgets, NewBudget

Ctx = grpc.aio.ServicerContext[Any, Any]


def _alerts(items: Iterable[budget_pb2.AlertInput]) -> list[AlertInput]:
    return [
        AlertInput(threshold=a.threshold, enabled=a.enabled if a.HasField("enabled") else True)
        for a in items
    ]


class BudgetServicer(budget_service_pb2_grpc.BudgetServiceServicer):
    def __init__(self, budgets: Budgets):
        self._budgets = budgets

    async def CreateBudget(
        self, request: pb.CreateBudgetRequest, context: Ctx
    ) -> pb.CreateBudgetResponse:
        view = await self._budgets.create(
            NewBudget(
                name=request.name,
                amount=request.amount,
                period=request.period,
                cycle=request.cycle,
                source_type=request.source_type,
                source_id=request.source_id,
                alerts=_alerts(request.alerts),
                start_date=request.start_date,
                end_date=request.end_date,
                rollover_enabled=request.rollover_enabled,
            )
        )
        return pb.CreateBudgetResponse(success=True, data=convert.created(view))

    async def ListBudgets(
        self, request: pb.ListBudgetsRequest, context: Ctx
    ) -> pb.ListBudgetsResponse:
        result = await self._budgets.listing(
            period=request.period,
            status=request.status,
            page=request.page if request.HasField("page") else None,
            limit=request.limit if request.HasField("limit") else None,
        )
        return convert.listing(result)

    async def GetBudget(self, request: pb.GetBudgetRequest, context: Ctx) -> pb.GetBudgetResponse:
        view = await self._budgets.get(request.budget_id)
        return pb.GetBudgetResponse(success=True, data=convert.detail(view))

    async def UpdateBudget(
        self, request: pb.UpdateBudgetRequest, context: Ctx
    ) -> pb.UpdateBudgetResponse:
        view = await self._budgets.update(
            request.budget_id,
            BudgetChange(
                name=request.name if request.HasField("name") else None,
                amount=request.amount if request.HasField("amount") else None,
                alerts=_alerts(request.alerts),
                rollover_enabled=(
                    request.rollover_enabled if request.HasField("rollover_enabled") else None
                ),
            ),
        )
        return pb.UpdateBudgetResponse(success=True, data=convert.updated(view))

    async def DeleteBudget(
        self, request: pb.DeleteBudgetRequest, context: Ctx
    ) -> pb.DeleteBudgetResponse:
        await self._budgets.delete(request.budget_id)
        return pb.DeleteBudgetResponse()
