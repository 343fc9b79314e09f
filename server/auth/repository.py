"""SQL of the auth domain; every function runs inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from asyncpg import Connection
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import ActionToken, AuthSession, RefreshToken, User
from server.platform.common.ids import new_id
from server.platform.db.compiled import Compiled


async def get_user(s: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await s.get(User, user_id)


async def get_user_by_email(s: AsyncSession, email: str) -> User | None:
    return (await s.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def add_user(s: AsyncSession, **fields: Any) -> User | None:
    """Inserts a user; None when the email is taken (no exception, no aborted transaction)."""
    stmt = (
        insert(User)
        .values(id=new_id(), **fields)
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def update_user(s: AsyncSession, user_id: uuid.UUID, **fields: Any) -> None:
    await s.execute(update(User).where(User.id == user_id).values(**fields))


async def add_session(s: AsyncSession, *, user_id: uuid.UUID, expires_at: dt.datetime) -> uuid.UUID:
    session = AuthSession(id=new_id(), user_id=user_id, expires_at=expires_at)
    s.add(session)
    await s.flush()
    return session.id


async def add_refresh_token(
    s: AsyncSession, *, token_hash: str, session_id: uuid.UUID, expires_at: dt.datetime
) -> None:
    s.add(RefreshToken(token_hash=token_hash, session_id=session_id, expires_at=expires_at))
    await s.flush()


async def lock_refresh_token(
    s: AsyncSession, token_hash: str
) -> tuple[RefreshToken, AuthSession] | None:
    """The token and its session, locked so concurrent refreshes of one token serialise."""
    stmt = (
        select(RefreshToken, AuthSession)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == token_hash)
        .with_for_update()
    )
    row = (await s.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def mark_refresh_token_used(s: AsyncSession, token_hash: str) -> None:
    await s.execute(
        update(RefreshToken).where(RefreshToken.token_hash == token_hash).values(used_at=func.now())
    )


async def extend_session(s: AsyncSession, session_id: uuid.UUID, expires_at: dt.datetime) -> None:
    await s.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(expires_at=expires_at)
    )


async def revoke_session(s: AsyncSession, session_id: uuid.UUID, *, reason: str) -> None:
    await s.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoke_reason=reason)
    )


async def revoke_user_sessions(s: AsyncSession, user_id: uuid.UUID, *, reason: str) -> None:
    await s.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoke_reason=reason)
    )


_LIVE_SESSION_USER = Compiled.of(
    select(User.email, User.role, User.current_plan)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        AuthSession.id == bindparam("session_id", type_=AuthSession.id.type),
        User.id == bindparam("user_id", type_=User.id.type),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > func.now(),
    )
)


async def live_session_user(
    conn: Connection, *, session_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[str, str, str] | None:
    """(email, role, plan) when the session is live and belongs to the user. Every
    authenticated call asks, so it runs compiled on asyncpg (server/platform/db/compiled.py)."""
    row = await _LIVE_SESSION_USER.fetchrow(conn, session_id=session_id, user_id=user_id)
    return (row[0], row[1], row[2]) if row else None


async def add_action_token(
    s: AsyncSession, *, token_hash: str, user_id: uuid.UUID, purpose: str, expires_at: dt.datetime
) -> None:
    s.add(
        ActionToken(token_hash=token_hash, user_id=user_id, purpose=purpose, expires_at=expires_at)
    )
    await s.flush()


async def consume_action_token(
    s: AsyncSession, *, token_hash: str, purpose: str
) -> uuid.UUID | None:
    """Marks a live token used and returns its user; one statement, so it works only once."""
    stmt = (
        update(ActionToken)
        .where(
            ActionToken.token_hash == token_hash,
            ActionToken.purpose == purpose,
            ActionToken.used_at.is_(None),
            ActionToken.expires_at > func.now(),
        )
        .values(used_at=func.now())
        .returning(ActionToken.user_id)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def expire_action_tokens(s: AsyncSession, *, user_id: uuid.UUID, purpose: str) -> None:
    """Ends a user's other outstanding tokens of a purpose (after a reset, say)."""
    await s.execute(
        update(ActionToken)
        .where(
            ActionToken.user_id == user_id,
            ActionToken.purpose == purpose,
            ActionToken.used_at.is_(None),
        )
        .values(used_at=func.now())
    )


async def delete_stale_tokens(s: AsyncSession, cutoff: dt.datetime) -> tuple[int, int]:
    """Drops refresh and action tokens used or expired before `cutoff`: (refresh, action)."""
    counts = []
    for model in (RefreshToken, ActionToken):
        result = await s.execute(
            delete(model).where(or_(model.used_at < cutoff, model.expires_at < cutoff))
        )
        counts.append(int(result.rowcount))  # type: ignore[attr-defined]
    return counts[0], counts[1]
