"""fingate.subscriptions.v1.SubscriptionService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.subscriptions.v1 import subscription_service_pb2 as pb
from fingate.subscriptions.v1 import subscription_service_pb2_grpc
from server.plans import catalog
from server.platform.context import principal
from server.subscriptions import convert
from server.subscriptions.domain import Subscriptions

Ctx = grpc.aio.ServicerContext[Any, Any]


class SubscriptionServicer(subscription_service_pb2_grpc.SubscriptionServiceServicer):
    def __init__(self, subscriptions: Subscriptions):
        self._subs = subscriptions
        # The catalog is code: render it once.
        self._plans = pb.ListPlansResponse(
            success=True, data=[convert.plan(p) for p in subscriptions.plans()]
        )

    async def ListPlans(self, request: pb.ListPlansRequest, context: Ctx) -> pb.ListPlansResponse:
        return self._plans

    async def GetCurrentSubscription(
        self, request: pb.GetCurrentSubscriptionRequest, context: Ctx
    ) -> pb.GetCurrentSubscriptionResponse:
        view = await self._subs.current(principal())
        return pb.GetCurrentSubscriptionResponse(success=True, data=convert.current(view))

    async def Subscribe(self, request: pb.SubscribeRequest, context: Ctx) -> pb.SubscribeResponse:
        sub = await self._subs.subscribe(
            principal(), plan_id=request.plan_id, payment_method_id=request.payment_method_id
        )
        data = convert.activation(sub, catalog.by_code(sub.plan))
        return pb.SubscribeResponse(success=True, data=data)

    async def ChangePlan(
        self, request: pb.ChangePlanRequest, context: Ctx
    ) -> pb.ChangePlanResponse:
        sub, effective = await self._subs.change_plan(principal(), plan_id=request.plan_id)
        data = convert.plan_change(sub, catalog.by_code(sub.plan), effective)
        return pb.ChangePlanResponse(success=True, data=data)

    async def CancelSubscription(
        self, request: pb.CancelSubscriptionRequest, context: Ctx
    ) -> pb.CancelSubscriptionResponse:
        done = await self._subs.cancel(principal())
        return pb.CancelSubscriptionResponse(success=True, data=convert.cancellation(done))
