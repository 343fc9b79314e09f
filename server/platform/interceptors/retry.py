"""Runs a call again when PostgreSQL aborted its transaction for a deadlock or a serialization
failure (two legitimate requests racing): the one place such aborts are retried.

Innermost in the chain, so a retry re-runs the servicer only, after authentication, tenancy
and rate limiting counted the call once. RPCs marked `idempotent` in the contract are not
re-run here: they call providers or start billing, and their clients retry with their
Idempotency-Key instead; their abort answers 503 with Retry-After (server/platform/errors.py)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from server.platform.contract.registry import MethodSpec
from server.platform.db.database import is_transient_abort
from server.platform.interceptors.base import CallInterceptor, Unary

log = logging.getLogger("fingate.retry")

ATTEMPTS = 3


def _log_retry(attempt: int) -> None:
    log.info(
        "transaction aborted by a concurrent one; running the call again",
        extra={"attempt": attempt},
    )


class RetryInterceptor(CallInterceptor):
    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        yield  # streams pass through; unary calls go through wrap_unary

    def applies(self, spec: MethodSpec) -> bool:
        return not (spec.idempotent or spec.server_streaming)

    def wrap_unary(self, spec: MethodSpec, inner: Unary) -> Unary:
        if spec.idempotent or spec.server_streaming:
            return inner

        async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            # The first attempt runs bare: a retry policy is built only after an abort.
            try:
                return await inner(request, context)
            except Exception as exc:
                if not is_transient_abort(exc):
                    raise
                _log_retry(2)
            # A few milliseconds, randomised: the two racers must not collide again.
            await asyncio.sleep(random.uniform(0.005, 0.02))
            retrying = AsyncRetrying(
                retry=retry_if_exception(is_transient_abort),
                stop=stop_after_attempt(ATTEMPTS - 1),
                # A few milliseconds, randomised: the two racers must not collide again.
                wait=wait_random_exponential(multiplier=0.01, max=0.2),
                before_sleep=lambda state: _log_retry(state.attempt_number + 2),
                reraise=True,
            )
            return await retrying(inner, request, context)

        return call
