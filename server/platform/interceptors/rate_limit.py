"""Rate limits, after authentication: the policy is documented in
server/platform/ratelimit/__init__.py."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import grpc

from server.platform.context import add_response_header, current_call
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.errors import RateLimited
from server.platform.interceptors.base import CallInterceptor
from server.platform.metrics.prometheus import RATE_LIMIT_REFUSALS
from server.platform.ratelimit.limiter import Limiter
from server.platform.ratelimit.policy import (
    ADDRESS_CLASSES,
    DEFERRED_CLASSES,
    Policy,
    client_address,
)


class RateLimitInterceptor(CallInterceptor):
    """Counts each limited call; past the limit it answers 429 before the servicer runs."""

    def __init__(self, registry: Registry, policy: Policy, limiter: Limiter):
        super().__init__(registry)
        self._policy = policy
        self._limiter = limiter

    def applies(self, spec: MethodSpec) -> bool:
        return spec.rate_class is not None

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        if spec.rate_class in DEFERRED_CLASSES:
            current_call().rate_charge = partial(self._count, spec.rate_class, context)
        elif spec.rate_class is not None:
            await self._count(spec.rate_class, context)
        yield

    async def _count(
        self,
        rate_class: str,
        context: grpc.aio.ServicerContext[Any, Any],
        qualifier: str | None = None,
    ) -> None:
        state = current_call()
        principal = state.principal
        address = None
        if principal is None or rate_class in ADDRESS_CLASSES:
            address = client_address(state.header("x-envoy-external-address"), context.peer())
        bucket = self._policy.bucket(
            rate_class,
            user_id=str(principal.user_id) if principal is not None else None,
            plan=principal.plan if principal is not None else None,
            address=address,
            qualifier=qualifier,
        )
        if bucket is None:
            return
        decision = await self._limiter.hit(bucket)
        if decision is None:
            return
        for name, value in decision.headers():
            add_response_header(name, value)
        if not decision.allowed:
            RATE_LIMIT_REFUSALS.labels(rate_class).inc()
            raise RateLimited(
                retry_after=decision.retry_after(time.time()), limit_reset=decision.reset
            )
