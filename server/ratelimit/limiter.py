"""Counting: limits' fixed-window strategy over Redis (REDIS_URL) or process memory."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from server.config import Settings
from server.ratelimit.policy import Bucket

log = logging.getLogger("fingate.ratelimit")

# A slow or unreachable Redis must not hold calls: fail open quickly (seconds).
REDIS_TIMEOUT_S = 0.5
_WARN_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of counting one call, in the terms of the documented headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # unix time at which the window ends

    @property
    def reset(self) -> int:
        """X-RateLimit-Reset and limitReset: the window's end in whole unix seconds."""
        return math.ceil(self.reset_at)

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset)),
        ]

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window ends, at least 1."""
        return max(1, math.ceil(self.reset_at - now))


def make_storage(settings: Settings) -> Storage:
    """Redis storage (through coredis, limits' default async client) or memory storage."""
    if settings.redis_url is None:
        return MemoryStorage()
    return RedisStorage(
        f"async+{settings.redis_url}",
        wrap_exceptions=True,
        key_prefix=settings.rate_limit_key_prefix,
        connect_timeout=REDIS_TIMEOUT_S,
        stream_timeout=REDIS_TIMEOUT_S,
    )


class Limiter:
    """Counts a call against its bucket and says whether it may proceed."""

    def __init__(self, storage: Storage):
        self._storage = storage
        self._strategy = FixedWindowRateLimiter(storage)
        self._warned_at = -math.inf

    async def hit(self, bucket: Bucket) -> Decision | None:
        """Count one call; None when the store cannot be reached (the call goes through)."""
        item, ids = bucket.item, (bucket.rate_class, bucket.identity)
        try:
            allowed = await self._strategy.hit(item, *ids)
            stats = await self._strategy.get_window_stats(item, *ids)
        except (StorageError, OSError, TimeoutError) as exc:
            self._warn(exc)
            return None
        return Decision(
            allowed=allowed,
            limit=item.amount,
            remaining=stats.remaining,
            reset_at=stats.reset_time,
        )

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            cause = exc.__cause__ or exc
            log.warning(
                "rate-limit store unreachable, calls pass unlimited",
                extra={"error": type(cause).__name__},
            )
