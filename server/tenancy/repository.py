"""The one query that turns (user, organization) into a membership, a role and a plan."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User
from server.context import Tenant
from server.organizations.models import Member, Organization


async def membership(
    s: AsyncSession, *, user_id: uuid.UUID, organization_id: uuid.UUID | None
) -> Tenant | None:
    """The caller's tenant in an organization (their personal one when None); None when the
    organization does not exist or the caller is not a member: the two are not told apart."""
    owner = User.__table__.alias("owner")
    stmt = (
        select(Organization.id, Member.role, Organization.is_personal, owner.c.current_plan)
        .join(Member, Member.organization_id == Organization.id)
        .join(owner, owner.c.id == Organization.owner_id)
        .where(Member.user_id == user_id)
    )
    if organization_id is None:
        stmt = stmt.where(Organization.is_personal, Organization.owner_id == user_id)
    else:
        stmt = stmt.where(Organization.id == organization_id)
    row = (await s.execute(stmt)).one_or_none()
    if row is None:
        return None
    return Tenant(organization_id=row[0], role=row[1], is_personal=row[2], plan=row[3])
