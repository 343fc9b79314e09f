"""Queueing mail in the caller's transaction, and the SQL the delivery job uses."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.platform.common.ids import new_id
from server.platform.mail.models import OutboxMail


async def enqueue(s: AsyncSession, *, recipient: str, subject: str, body: str) -> None:
    """Stores a message to send once the transaction commits."""
    s.add(OutboxMail(id=new_id(), recipient=recipient, subject=subject, body=body))
    await s.flush()


async def claim_due(s: AsyncSession, *, limit: int) -> list[OutboxMail]:
    """Due messages, locked; SKIP LOCKED lets several server processes share the outbox."""
    stmt = (
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= func.now())
        .order_by(OutboxMail.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await s.execute(stmt)).scalars())


async def mark_sent(s: AsyncSession, mail_id: uuid.UUID) -> None:
    """Sent: the body goes at once. It held a single-use link (reset, verify, invitation)
    that must not outlive its delivery in the database; recipient and subject stay."""
    await s.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id).values(sent_at=func.now(), body="")
    )


async def mark_failed(
    s: AsyncSession, mail_id: uuid.UUID, *, attempts: int, retry_at: dt.datetime, error: str
) -> None:
    await s.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id)
        .values(attempts=attempts, next_attempt_at=retry_at, last_error=error[:200])
    )


async def delete_sent_before(s: AsyncSession, cutoff: dt.datetime) -> int:
    """Drops mail sent before `cutoff`; returns how many rows went."""
    result = await s.execute(
        delete(OutboxMail).where(OutboxMail.sent_at.is_not(None), OutboxMail.sent_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
