"""Retries and a circuit breaker per service around a provider's calls, shared by the
integrations hub's adapters (server/providers/apps) and the payment rails
(server/providers/rails).

A call is retried on a 5xx, a 429, a timeout or a dropped connection (tenacity: ATTEMPTS
attempts, exponential backoff with jitter), never on another 4xx. Each service has its own
purgatory breaker: after `provider_breaker_threshold` calls in a row that failed even so it
opens for `provider_breaker_open_s`, and calls fail at once with the owner's "unavailable"
error carrying the seconds left. The owner's refusals (the `exclude` classes) do not count.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Awaitable, Callable, Sequence
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
from server.platform.metrics.prometheus import breaker_listener, provider_label

ATTEMPTS = 3
T = TypeVar("T")
# Builds the owner's outage error from a message and the seconds a caller should wait.
Unavailable = Callable[[str, int], Exception]


class Transient(Exception):
    """A failure worth another attempt; never carries a token (only a status or error type)."""


def check_transient(response: httpx.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        raise Transient(f"HTTP {response.status_code}")


class Resilience:
    def __init__(
        self,
        settings: Settings,
        *,
        unavailable: Unavailable,
        exclude: Sequence[type[Exception]],
    ) -> None:
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=settings.provider_breaker_threshold,
            default_ttl=settings.provider_breaker_open_s,
            exclude=list(exclude),
        )
        # Each breaker's state as a gauge (fingate_circuit_breaker_state).
        self._breakers.add_listener(breaker_listener)
        self._open_s = settings.provider_breaker_open_s
        self._unavailable = unavailable
        self.backoff = (0.2, 2.0)

    async def open_for(self, service: str) -> int | None:
        """Seconds the service's breaker stays open, or None when it lets calls through."""
        breaker = await self._breakers.get_breaker(service)
        opened_at = breaker.context.opened_at
        if breaker.context.state != "opened" or opened_at is None:
            return None
        left = opened_at + self._open_s - time.time()
        return math.ceil(left) if left > 0 else None

    async def call(self, service: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt` once or more: it raises Transient for what deserves a retry."""
        breaker = await self._breakers.get_breaker(service)
        try:
            try:
                async with breaker:
                    return await self._retried(attempt)
            except OpenedState as state:
                left = state.opened_at + self._open_s - time.time()
                raise self._unavailable(f"{service} is unavailable", math.ceil(left)) from None
            except Transient as error:
                opened = breaker.context.state == "opened"
                wait = math.ceil(self._open_s) if opened else 5
                raise self._unavailable(f"{service} unavailable: {error}", wait) from None
        except Exception as failure:
            # The error table counts failures by provider (server/providers/errors.py): the
            # service's name, never the rest of the breaker's key (a base URL, an account).
            if getattr(failure, "provider", None) is None:
                with contextlib.suppress(AttributeError):
                    failure.provider = provider_label(service)  # type: ignore[attr-defined]
            raise

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
