"""Token buckets (seed 003 API_READ and PROVIDER_SYNC), in process memory or in Redis.

No well-kept library fits: `limits` (the fixed windows here) has no token bucket;
pyrate-limiter 4 limits by sliding windows of listed rates (no capacity distinct from the refill
rate); token-bucket keeps its state in process memory only. The hand-written part is the
arithmetic below, once in Python and once as a Redis Lua script, so that reading, refilling and
taking a token is one atomic step in Redis (every server process shares the bucket) and uses
Redis' clock, not each process's.

A bucket's state is (tokens, at): tokens left at time `at`. A call refills
`(now - at) × rate` (capped at the capacity) and takes one token when at least one is there.
An absent bucket is full; Redis expires a bucket once it would be full again, memory keeps it in a
TTLCache for the same span.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import coredis
from cachetools import TTLCache

from server.platform.config import TokenBucketRate

# KEYS[1] = bucket; ARGV = capacity, tokens per second. Returns {allowed, tokens, now}; floats
# travel as strings because Lua numbers are truncated to integers in replies.
TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(now)}
"""

_MEMORY_BUCKETS = 100_000


@dataclass(frozen=True, slots=True)
class Taken:
    """One call against a bucket: whether a token was there, and what is left."""

    allowed: bool
    tokens: float
    now: float

    def full_at(self, rate: TokenBucketRate) -> float:
        """When the bucket is full again (X-RateLimit-Reset)."""
        return self.now + (rate.capacity - self.tokens) / rate.per_second

    def next_token_at(self, rate: TokenBucketRate) -> float:
        """When the next call can pass (Retry-After of a refused call)."""
        return self.now + max(0.0, 1 - self.tokens) / rate.per_second


def refill_and_take(
    tokens: float, at: float, now: float, rate: TokenBucketRate
) -> tuple[bool, float]:
    """The same step as TAKE, for the memory store."""
    tokens = min(float(rate.capacity), tokens + max(0.0, now - at) * rate.per_second)
    if tokens >= 1:
        return True, tokens - 1
    return False, tokens


class MemoryBuckets:
    def __init__(self) -> None:
        self._by_ttl: dict[int, TTLCache[str, tuple[float, float]]] = {}

    async def take(self, key: str, rate: TokenBucketRate) -> Taken:
        # An untouched bucket is full after capacity / rate seconds: forgetting it then is exact.
        ttl = math.ceil(rate.capacity / rate.per_second) + 1
        store = self._by_ttl.setdefault(ttl, TTLCache(_MEMORY_BUCKETS, ttl))
        now = time.time()
        tokens, at = store.get(key, (float(rate.capacity), now))
        allowed, left = refill_and_take(tokens, at, now, rate)
        store[key] = (left, now)
        return Taken(allowed, left, now)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBuckets:
    def __init__(self, client: coredis.Redis[bytes], prefix: str):
        self._take = client.register_script(TAKE)
        self._prefix = f"{prefix}:bucket:"

    async def take(self, key: str, rate: TokenBucketRate) -> Taken:
        reply = await self._take(
            keys=[self._prefix + key], args=[rate.capacity, repr(rate.per_second)]
        )
        allowed, tokens, now = (_text(v) for v in reply)  # type: ignore[union-attr]
        return Taken(allowed == "1", float(tokens), float(now))
