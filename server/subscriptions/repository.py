"""SQL of the subscriptions domain; every function runs inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User
from server.platform.common.ids import new_id
from server.subscriptions.models import Subscription


async def lock_user(s: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user row, locked: a user's subscription changes run one at a time."""
    stmt = select(User).where(User.id == user_id).with_for_update()
    return (await s.execute(stmt)).scalar_one_or_none()


async def get_user(s: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await s.get(User, user_id)


async def active_subscription(s: AsyncSession, user_id: uuid.UUID) -> Subscription | None:
    stmt = select(Subscription).where(
        Subscription.user_id == user_id, Subscription.status == "active"
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def add_subscription(s: AsyncSession, **fields: Any) -> Subscription:
    subscription = Subscription(id=new_id(), status="active", **fields)
    s.add(subscription)
    await s.flush()
    return subscription


async def update_subscription(s: AsyncSession, subscription: Subscription, **fields: Any) -> None:
    """Changes a loaded subscription (so the caller's object stays current) and writes it."""
    for name, value in fields.items():
        setattr(subscription, name, value)
    await s.flush()


async def end_subscription(s: AsyncSession, subscription: Subscription, *, at: dt.datetime) -> None:
    """Marks a subscription cancelled (cancelled by the user, or replaced by a new one)."""
    await update_subscription(
        s, subscription, status="cancelled", cancelled_at=at, auto_renew=False
    )


async def set_user_plan(s: AsyncSession, user_id: uuid.UUID, plan_code: str) -> None:
    """users.current_plan: what /auth/me shows and the next access token's `plan` claim."""
    await s.execute(update(User).where(User.id == user_id).values(current_plan=plan_code))
