"""The documented cache keys (seed 000 "Cache Invalidation") and who must lose them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.organizations.models import Member


def connection(connection_id: uuid.UUID | str) -> str:
    return f"connectionId:{connection_id}"


def user_connections(user_id: uuid.UUID | str) -> str:
    return f"user:{user_id}:connections"


def user_accounts(user_id: uuid.UUID | str) -> str:
    return f"user:{user_id}:accounts"


async def member_ids(s: AsyncSession, organization_id: uuid.UUID) -> list[uuid.UUID]:
    """Every member of an organization: each one's lists show the organization's data."""
    rows = await s.execute(select(Member.user_id).where(Member.organization_id == organization_id))
    return list(rows.scalars())


def after_connection_change(
    connection_id: uuid.UUID, owner_id: uuid.UUID | None, members: list[uuid.UUID]
) -> list[str]:
    """The documented keys of a connection change: the connection, and its user's connection
    and account lists, plus the same lists of every other member of its organization (who see
    the same connection in them)."""
    users = {*members, *([owner_id] if owner_id else [])}
    return [
        connection(connection_id),
        *(user_connections(u) for u in sorted(users, key=str)),
        *(user_accounts(u) for u in sorted(users, key=str)),
    ]
