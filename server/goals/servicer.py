"""fingate.goals.v1.GoalService: proto in → domain call → proto out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc

from fingate.goals.v1 import goal_pb2, goal_service_pb2_grpc
from fingate.goals.v1 import goal_service_pb2 as pb
from server.goals import convert
from server.goals.domain import GoalChange, Goals, MilestoneInput, NewGoal

Ctx = grpc.aio.ServicerContext[Any, Any]


def _milestones(items: Iterable[goal_pb2.MilestoneInput]) -> list[MilestoneInput]:
    return [MilestoneInput(title=m.title, target_amount=m.target_amount) for m in items]


def _given(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


class GoalServicer(goal_service_pb2_grpc.GoalServiceServicer):
    def __init__(self, goals: Goals):
        self._goals = goals

    async def CreateGoal(
        self, request: pb.CreateGoalRequest, context: Ctx
    ) -> pb.CreateGoalResponse:
        view = await self._goals.create(
            NewGoal(
                name=request.name,
                description=request.description,
                target_amount=request.target_amount,
                category=request.category,
                target_date=request.target_date,
                source_type=request.source_type,
                source_id=request.source_id,
                current_amount=_given(request, "current_amount"),
                milestones=_milestones(request.milestones),
            )
        )
        return pb.CreateGoalResponse(success=True, data=convert.created(view))

    async def ListGoals(self, request: pb.ListGoalsRequest, context: Ctx) -> pb.ListGoalsResponse:
        result = await self._goals.listing(
            status=request.status,
            category=request.category,
            page=_given(request, "page"),
            limit=_given(request, "limit"),
        )
        return convert.listing(result)

    async def GetGoal(self, request: pb.GetGoalRequest, context: Ctx) -> pb.GetGoalResponse:
        view = await self._goals.get(request.goal_id)
        return pb.GetGoalResponse(success=True, data=convert.detail(view))

    async def UpdateGoal(
        self, request: pb.UpdateGoalRequest, context: Ctx
    ) -> pb.UpdateGoalResponse:
        fields = ("name", "description", "target_amount", "category", "target_date", "status")
        view = await self._goals.update(
            request.goal_id,
            GoalChange(
                **{f: _given(request, f) for f in fields},
                current_amount=_given(request, "current_amount"),
                milestones=_milestones(request.milestones),
            ),
        )
        return pb.UpdateGoalResponse(success=True, data=convert.updated(view))

    async def DeleteGoal(
        self, request: pb.DeleteGoalRequest, context: Ctx
    ) -> pb.DeleteGoalResponse:
        await self._goals.delete(request.goal_id)
        return pb.DeleteGoalResponse()
