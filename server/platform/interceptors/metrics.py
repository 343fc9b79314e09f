"""Request metrics: every fingate RPC's route, outcome and duration go to RequestMetrics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc

from server.platform.contract.registry import MethodSpec, Registry
from server.platform.interceptors.base import CallInterceptor
from server.platform.metrics.recorder import RequestMetrics


class MetricsInterceptor(CallInterceptor):
    """Sits outside the error interceptor, so the final gRPC status is known when a call ends.

    An error is any call whose status is not OK: every 4xx and 5xx REST answer counts.
    grpc.health and reflection calls (no contract path) are not counted.
    """

    def __init__(self, registry: Registry, metrics: RequestMetrics):
        super().__init__(registry)
        self._metrics = metrics

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            if spec.path:
                code = context.code()
                self._metrics.record(
                    spec.endpoint,
                    error=isinstance(code, grpc.StatusCode) and code != grpc.StatusCode.OK,
                    ms=(time.perf_counter() - started) * 1000,
                )
