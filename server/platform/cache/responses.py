"""Read-through caching of serialized responses, at the servicer/convert boundary: a hit costs
no database round trip and no conversion, and domain code never sees a proto."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from google.protobuf.message import Message

from server.platform.cache.store import Cache

M = TypeVar("M", bound=Message)


async def read_through(
    cache: Cache, key: str, variant: str, kind: type[M], build: Callable[[], Awaitable[M]]
) -> M:
    """The cached answer under (key, variant), else `build()`'s, stored for the next reader."""
    cached = await cache.get(key, variant)
    if cached is not None:
        return kind.FromString(cached)
    found = await build()
    await cache.put(key, variant, found.SerializeToString())
    return found
