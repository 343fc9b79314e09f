"""Counting: limits' fixed-window strategy, or token buckets (server/platform/ratelimit/buckets.py),
over Redis (REDIS_URL) or process memory."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import coredis
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from server.platform.config import Settings, TokenBucketRate
from server.platform.ratelimit.buckets import MemoryBuckets, RedisBuckets
from server.platform.ratelimit.policy import Bucket

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
    reset_at: float  # unix time at which the window ends (a token bucket: is full again)
    # A token bucket's next token (unix time); a window frees at reset_at.
    retry_at: float | None = None

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
        """Whole seconds until a call can pass again, at least 1."""
        at = self.reset_at if self.retry_at is None else self.retry_at
        return max(1, math.ceil(at - now))


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


def make_buckets(settings: Settings) -> MemoryBuckets | RedisBuckets:
    """Token buckets in the same store as the windows, under the same key prefix."""
    if settings.redis_url is None:
        return MemoryBuckets()
    client: coredis.Redis[bytes] = coredis.Redis.from_url(
        settings.redis_url,
        decode_responses=False,
        connect_timeout=REDIS_TIMEOUT_S,
        stream_timeout=REDIS_TIMEOUT_S,
    )
    return RedisBuckets(client, settings.rate_limit_key_prefix)


class Limiter:
    """Counts a call against its bucket and says whether it may proceed."""

    def __init__(self, storage: Storage, buckets: MemoryBuckets | RedisBuckets | None = None):
        self._storage = storage
        self._strategy = FixedWindowRateLimiter(storage)
        self._buckets = buckets or MemoryBuckets()
        self._warned_at = -math.inf

    async def hit(self, bucket: Bucket) -> Decision | None:
        """Count one call; None when the store cannot be reached (the call goes through)."""
        item, ids = bucket.item, (bucket.rate_class, bucket.identity)
        if isinstance(item, TokenBucketRate):
            return await self._take(bucket.rate_class, bucket.identity, item)
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

    async def peek(self, bucket: Bucket) -> Decision | None:
        """Whether one more call would pass, without counting it (fixed windows only)."""
        item, ids = bucket.item, (bucket.rate_class, bucket.identity)
        assert not isinstance(item, TokenBucketRate), "peek is for fixed windows"
        try:
            allowed = await self._strategy.test(item, *ids)
            stats = await self._strategy.get_window_stats(item, *ids)
        except (StorageError, OSError, TimeoutError) as exc:
            self._warn(exc)
            return None
        return Decision(
            allowed=allowed, limit=item.amount, remaining=stats.remaining, reset_at=stats.reset_time
        )

    async def _take(self, rate_class: str, identity: str, rate: TokenBucketRate) -> Decision | None:
        try:
            taken = await self._buckets.take(f"{rate_class}/{identity}", rate)
        except (coredis.exceptions.RedisError, OSError, TimeoutError) as exc:
            self._warn(exc)
            return None
        return Decision(
            allowed=taken.allowed,
            limit=rate.capacity,
            remaining=math.floor(taken.tokens),
            reset_at=taken.full_at(rate),
            retry_at=taken.next_token_at(rate),
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
