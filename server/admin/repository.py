"""SQL of the admin views: Core statements whose rows go straight to protos."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, RowMapping, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User

u = User.__table__.c

# The columns of an admin list item, in the order convert.admin_user reads them.
USER_COLUMNS = (
    u.id,
    u.email,
    u.first_name,
    u.last_name,
    u.role,
    u.current_plan,
    u.email_verified,
    u.created_at,
    u.last_login_at,
)


@dataclass(frozen=True, slots=True)
class UserFilter:
    """Exact role and plan, and a substring of email or name; None means no condition."""

    role: str | None = None
    plan: str | None = None
    search: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(f: UserFilter) -> list[ColumnElement[bool]]:
    # Service principals are users only for bookkeeping: the user list is of people.
    conds: list[ColumnElement[bool]] = [u.role != "SERVICE"]
    if f.role is not None:
        conds.append(u.role == f.role)
    if f.plan is not None:
        conds.append(u.current_plan == f.plan)
    if f.search:
        pattern = f"%{_escape_like(f.search)}%"
        full_name = u.first_name + literal(" ") + u.last_name
        conds.append(
            or_(
                *(
                    col.ilike(pattern, escape="\\")
                    for col in (u.email, u.first_name, u.last_name, full_name)
                )
            )
        )
    return conds


async def list_users(
    s: AsyncSession, f: UserFilter, *, offset: int, limit: int
) -> Sequence[RowMapping]:
    """A page of users, newest first; ties (same created_at) by id, so pages never overlap."""
    stmt = (
        select(*USER_COLUMNS)
        .where(*_conditions(f))
        .order_by(u.created_at.desc(), u.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return (await s.execute(stmt)).mappings().all()


async def count_users(s: AsyncSession, f: UserFilter) -> int:
    stmt = select(func.count()).select_from(User.__table__).where(*_conditions(f))
    return int((await s.execute(stmt)).scalar_one())


@dataclass(frozen=True, slots=True)
class UserCounts:
    total: int
    active_24h: int
    active_7d: int
    new_today: int


async def user_counts(s: AsyncSession, *, now: dt.datetime) -> UserCounts:
    """Every figure in one scan: sign-ins within 24 h and 7 d of `now`, sign-ups since its UTC
    midnight."""
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stmt = select(
        func.count(),
        func.count().filter(u.last_login_at >= now - dt.timedelta(hours=24)),
        func.count().filter(u.last_login_at >= now - dt.timedelta(days=7)),
        func.count().filter(u.created_at >= midnight),
    ).where(u.role != "SERVICE")  # service principals are no users of the product
    row = (await s.execute(stmt)).one()
    return UserCounts(
        total=int(row[0]), active_24h=int(row[1]), active_7d=int(row[2]), new_today=int(row[3])
    )
