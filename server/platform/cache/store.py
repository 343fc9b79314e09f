"""The two stores behind server.platform.cache: Redis (coredis, as the rate limiter uses) or memory.

aiocache was considered; its API has no hash fields, which are what lets one documented key
cover each organization and query of a read. The memory store is a cachetools TTLCache.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from typing import Protocol

import coredis
from cachetools import TTLCache

from server.platform.config import Settings

log = logging.getLogger("fingate.cache")

REDIS_TIMEOUT_S = 0.5
_WARN_EVERY_S = 60.0
_MEMORY_KEYS = 50_000

# One field set; the key's TTL starts with its first field and is never extended, so no entry
# outlives the TTL however often the key is written.
_PUT = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
"""


class Cache(Protocol):
    async def get(self, key: str, field: str) -> bytes | None: ...

    async def put(self, key: str, field: str, value: bytes) -> None: ...

    async def delete(self, keys: Iterable[str]) -> None: ...

    async def close(self) -> None: ...


class MemoryCache:
    """Per process: each server process has its own, bounded by the TTL."""

    def __init__(self, ttl_s: int):
        self._entries: TTLCache[str, dict[str, bytes]] = TTLCache(_MEMORY_KEYS, ttl_s)

    async def get(self, key: str, field: str) -> bytes | None:
        fields = self._entries.get(key)
        return None if fields is None else fields.get(field)

    async def put(self, key: str, field: str, value: bytes) -> None:
        fields = self._entries.get(key)
        if fields is None:
            self._entries[key] = fields = {}
        fields[field] = value

    async def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()


class RedisCache:
    """Shared by every server process."""

    def __init__(self, url: str, *, prefix: str, ttl_s: int):
        self._client: coredis.Redis[bytes] = coredis.Redis.from_url(
            url,
            decode_responses=False,
            connect_timeout=REDIS_TIMEOUT_S,
            stream_timeout=REDIS_TIMEOUT_S,
        )
        self._prefix = f"{prefix}:"
        self._ttl_s = ttl_s
        self._put = self._client.register_script(_PUT)
        self._warned_at = -math.inf

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str, field: str) -> bytes | None:
        try:
            return await self._client.hget(self._key(key), field)
        except (coredis.exceptions.RedisError, OSError, TimeoutError) as exc:
            self._warn(exc)
            return None

    async def put(self, key: str, field: str, value: bytes) -> None:
        try:
            await self._put(keys=[self._key(key)], args=[field, value, self._ttl_s])
        except (coredis.exceptions.RedisError, OSError, TimeoutError) as exc:
            self._warn(exc)

    async def delete(self, keys: Iterable[str]) -> None:
        names: list[str | bytes] = [self._key(k) for k in keys]
        if not names:
            return
        try:
            await self._client.delete(names)
        except (coredis.exceptions.RedisError, OSError, TimeoutError) as exc:
            self._warn(exc)

    async def close(self) -> None:
        # coredis pools close with the client's last reference; nothing to await.
        return None

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning(
                "cache store unreachable, reading through", extra={"error": type(exc).__name__}
            )


def make_cache(settings: Settings) -> Cache:
    if settings.redis_url is None:
        return MemoryCache(settings.cache_ttl_s)
    return RedisCache(
        settings.redis_url, prefix=settings.rate_limit_key_prefix, ttl_s=settings.cache_ttl_s
    )
