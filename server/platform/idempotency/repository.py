"""SQL of idempotency keys. Every statement names the whole scope, user id first; the clock is
the database's, shared by every server process."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Interval

from server.platform.idempotency.keys import ABANDONED_AFTER, TTL, Scope
from server.platform.idempotency.models import idempotency_keys as t

_expired = t.c.created_at < func.now() - literal(TTL, Interval())
_abandoned = and_(
    t.c.response.is_(None), t.c.created_at < func.now() - literal(ABANDONED_AFTER, Interval())
)


def _of(scope: Scope) -> ColumnElement[bool]:
    return and_(
        t.c.user_id == scope.user_id,
        t.c.method == scope.method,
        t.c.key == scope.key,
        t.c.organization_id.is_not_distinct_from(scope.organization_id),
    )


async def claim(s: AsyncSession, scope: Scope, *, request_sha256: bytes) -> dt.datetime | None:
    """Marks the key in progress for this call: the claim's time, or None when the key is
    held (in progress or completed). An expired key, or one whose first call was abandoned,
    is taken over in the same statement, so two retries cannot both take it."""
    row = insert(t).values(
        user_id=scope.user_id,
        organization_id=scope.organization_id,
        method=scope.method,
        key=scope.key,
        request_sha256=request_sha256,
    )
    taken_over = row.on_conflict_do_update(
        constraint="uq_idempotency_keys_scope",
        set_={
            "request_sha256": row.excluded.request_sha256,
            "created_at": func.now(),
            "response": None,
            "response_headers": None,
        },
        where=or_(_expired, _abandoned),
    )
    claimed: dt.datetime | None = await s.scalar(taken_over.returning(t.c.created_at))
    return claimed


@dataclass(frozen=True, slots=True)
class Held:
    """A key someone holds: the request it was claimed for and, once done, its result."""

    request_sha256: bytes
    # None while the first call is in progress.
    response: bytes | None
    headers: list[tuple[str, str]]


async def find(s: AsyncSession, scope: Scope) -> Held | None:
    """The live (unexpired) key of a scope, if any."""
    query = select(t.c.request_sha256, t.c.response, t.c.response_headers).where(
        _of(scope), ~_expired
    )
    row = (await s.execute(query)).one_or_none()
    if row is None:
        return None
    headers = [(str(n), str(v)) for n, v in row.response_headers or []]
    return Held(bytes(row.request_sha256), row.response, headers)


async def complete(
    s: AsyncSession,
    scope: Scope,
    *,
    claimed_at: dt.datetime,
    response: bytes,
    headers: list[tuple[str, str]],
) -> bool:
    """Stores the result of the call that holds the claim; False if it no longer does."""
    done = await s.execute(
        update(t)
        .where(_of(scope), t.c.created_at == claimed_at, t.c.response.is_(None))
        .values(response=response, response_headers=[list(h) for h in headers])
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def release(s: AsyncSession, scope: Scope, *, claimed_at: dt.datetime) -> None:
    """Lets go of the claim of a call that failed, so that a retry runs."""
    await s.execute(
        delete(t).where(_of(scope), t.c.created_at == claimed_at, t.c.response.is_(None))
    )


async def delete_expired(s: AsyncSession, *, now: dt.datetime) -> int:
    """Drops keys older than their lifetime; returns how many went."""
    result = await s.execute(delete(t).where(t.c.created_at < now - TTL))
    return int(result.rowcount)  # type: ignore[attr-defined]
