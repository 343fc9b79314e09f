"""The sync progress streams of one server process.

One LISTEN connection per process (opened by the first stream, re-opened after it drops)
receives every organization's events (server/crypto/events.py) and puts each on the queues of
that organization's open streams. A stream starts with `connection_established`, sends a
`heartbeat` event after 15 quiet seconds (SSE comments cannot pass the transcoder: ENVOY.md),
and ends when the client goes away (grpc cancels the handler). A user holds at most
`per_user` streams at once in a process; one more is refused as 429.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from server.crypto import events
from server.platform.context import principal, tenant
from server.platform.errors import RateLimited

log = logging.getLogger("fingate.crypto.stream")

HEARTBEAT_S = 15.0
PER_USER = 5
# Events a slow client may fall behind by; beyond it the oldest are dropped, not the server.
BACKLOG = 256


class SyncStreams:
    def __init__(self, dsn: str, *, heartbeat_s: float = HEARTBEAT_S, per_user: int = PER_USER):
        self._dsn = dsn
        self._heartbeat_s = heartbeat_s
        self._per_user = per_user
        self._queues: dict[uuid.UUID, set[asyncio.Queue[dict[str, Any]]]] = collections.defaultdict(
            set
        )
        self._users: collections.Counter[uuid.UUID] = collections.Counter()
        self._conn: asyncpg.Connection | None = None
        self._connecting = asyncio.Lock()

    async def _listen(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        async with self._connecting:
            if self._conn is not None and not self._conn.is_closed():
                return
            conn = await asyncpg.connect(self._dsn, timeout=5)
            conn.add_termination_listener(self._lost)
            await conn.add_listener(events.CHANNEL, self._received)
            self._conn = conn

    def _lost(self, conn: asyncpg.Connection) -> None:
        # The next heartbeat of any stream listens again; events in between are missed,
        # which a progress stream can afford (the wallet's syncStatus stays authoritative).
        if self._conn is conn:
            self._conn = None

    def _received(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            organization_id, event = events.decode(payload)
        except (ValueError, KeyError):
            log.warning("unreadable sync event dropped")
            return
        for queue in self._queues.get(organization_id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    async def follow(self) -> AsyncIterator[dict[str, Any]]:
        """The call's organization's events, for as long as the caller listens."""
        organization_id = tenant().organization_id
        user_id = principal().user_id
        if self._users[user_id] >= self._per_user:
            wait = int(self._heartbeat_s)
            raise RateLimited(
                retry_after=wait,
                limit_reset=wait,
                message=f"At most {self._per_user} sync streams at once",
            )
        await self._listen()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=BACKLOG)
        self._queues[organization_id].add(queue)
        self._users[user_id] += 1
        try:
            yield {"type": "connection_established", "timestamp": events.now()}
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=self._heartbeat_s)
                except TimeoutError:
                    await self._listen()
                    event = {"type": "heartbeat", "timestamp": events.now()}
                yield event
        finally:
            self._queues[organization_id].discard(queue)
            if not self._queues[organization_id]:
                del self._queues[organization_id]
            self._users[user_id] -= 1
            if self._users[user_id] <= 0:
                del self._users[user_id]

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
