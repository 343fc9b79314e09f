"""Retries and a circuit breaker per service for every integrations-hub provider call.

A call is retried on a 5xx, a 429, a timeout or a dropped connection (tenacity: ATTEMPTS
attempts, exponential backoff with jitter), never on another 4xx. Each service has its own
purgatory breaker: after `provider_breaker_threshold` calls in a row that failed even so it
opens for `provider_breaker_open_s`, and calls fail at once with AppUnavailable carrying the
seconds left. Refusals (GrantRefused, TokenRejected, other provider errors) do not count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from server.platform.config import Settings
from server.providers.apps.types import AppProviderError, AppUnavailable

ATTEMPTS = 3
T = TypeVar("T")


class Transient(Exception):
    """A failure worth another attempt; never carries a token (only a status or error type)."""


def check_transient(response: httpx.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        raise Transient(f"HTTP {response.status_code}")


class Resilience:
    def __init__(self, settings: Settings) -> None:
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=settings.provider_breaker_threshold,
            default_ttl=settings.provider_breaker_open_s,
            exclude=[AppProviderError],
        )
        self._open_s = settings.provider_breaker_open_s
        self.backoff = (0.2, 2.0)

    async def call(self, service: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt` once or more: it raises Transient for what deserves a retry."""
        breaker = await self._breakers.get_breaker(service)
        try:
            async with breaker:
                return await self._retried(attempt)
        except OpenedState as state:
            left = state.opened_at + self._open_s - time.time()
            raise AppUnavailable(f"{service} is unavailable", retry_after=math.ceil(left)) from None
        except Transient as error:
            opened = breaker.context.state == "opened"
            wait = math.ceil(self._open_s) if opened else 5
            raise AppUnavailable(f"{service} unavailable: {error}", retry_after=wait) from None

    async def _retried(self, attempt: Callable[[], Awaitable[T]]) -> T:
        initial, most = self.backoff
        async for trial in AsyncRetrying(
            retry=retry_if_exception_type(Transient),
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_random_exponential(multiplier=initial, max=most),
            reraise=True,
        ):
            with trial:
                try:
                    return await attempt()
                except httpx.TransportError as error:  # timeouts, refused, dropped
                    raise Transient(type(error).__name__) from None
        raise AssertionError("unreachable")  # pragma: no cover
