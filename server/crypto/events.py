"""Sync progress on its way to the streams: one PostgreSQL NOTIFY channel.

Whichever process runs a sync (a worker) publishes; every server process LISTENs once
(server/crypto/stream.py) and hands each event to the streams of its organization. NOTIFY is
delivered at commit to every listening connection, so any number of server processes see the
same events in the same order, without another moving part.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import func, select

from server.platform.common.time import rfc3339
from server.platform.db.database import Database

CHANNEL = "fingate_crypto_sync"


def now() -> str:
    return rfc3339(dt.datetime.now(dt.UTC))


def encode(organization_id: uuid.UUID, event: dict[str, Any]) -> str:
    return json.dumps({"organizationId": str(organization_id), "event": event})


def decode(payload: str) -> tuple[uuid.UUID, dict[str, Any]]:
    data = json.loads(payload)
    return uuid.UUID(data["organizationId"]), data["event"]


async def publish(db: Database, organization_id: uuid.UUID, event: dict[str, Any]) -> None:
    """Sends one event to the organization's streams now (its own short transaction)."""
    async with db.transaction() as s:
        await s.execute(select(func.pg_notify(CHANNEL, encode(organization_id, event))))
