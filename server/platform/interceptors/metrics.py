"""Request metrics: every fingate RPC's route, outcome and duration go to RequestMetrics (the
per-minute table behind the admin analytics route) and to the Prometheus families
(server/platform/metrics/prometheus.py), from one measurement."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc

from server.platform.contract.registry import MethodSpec, Registry
from server.platform.interceptors.base import CallInterceptor
from server.platform.metrics import prometheus
from server.platform.metrics.recorder import RequestMetrics

_OK = grpc.StatusCode.OK


class MetricsInterceptor(CallInterceptor):
    """Sits outside the error interceptor, so the final gRPC status is known when a call ends.

    An error is any call whose status is not OK: every 4xx and 5xx REST answer counts.
    grpc.health and reflection calls (no contract path) are not counted.
    """

    def __init__(self, registry: Registry, metrics: RequestMetrics):
        super().__init__(registry)
        self._metrics = metrics
        # Labelled children, made once per (method, code): `labels()` costs more than the
        # increment itself. Both keys are bounded (contract paths × gRPC codes).
        self._counts: dict[tuple[str, grpc.StatusCode], Any] = {}
        self._durations: dict[str, Any] = {}

    def applies(self, spec: MethodSpec) -> bool:
        return bool(spec.path)

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            found = context.code()
            code = found if isinstance(found, grpc.StatusCode) else _OK
            self._metrics.record(spec.endpoint, error=code is not _OK, ms=seconds * 1000)
            self.observe(spec.path, code, seconds)

    def observe(self, path: str, code: grpc.StatusCode, seconds: float) -> None:
        """Counts one finished call of `path` with its final code and duration."""
        counter = self._counts.get((path, code))
        if counter is None:
            counter = self._counts[(path, code)] = prometheus.RPC_REQUESTS.labels(path, code.name)
        counter.inc()
        histogram = self._durations.get(path)
        if histogram is None:
            histogram = self._durations[path] = prometheus.RPC_DURATION.labels(path)
        histogram.observe(seconds)
