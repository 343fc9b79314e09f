"""The one query that turns (user, organization) into a membership, a role and a plan.

Every organization-scoped call asks it, so it runs compiled on asyncpg
(server/platform/db/compiled.py).
"""

from __future__ import annotations

import uuid

from asyncpg import Connection
from sqlalchemy import Select, bindparam, select

from server.auth.models import User
from server.organizations.models import Member, Organization
from server.platform.context import Tenant
from server.platform.db.compiled import Compiled


def _membership(personal: bool) -> Select[tuple[uuid.UUID, str, bool, str]]:
    owner = User.__table__.alias("owner")
    user_id = bindparam("user_id", type_=Member.user_id.type)
    stmt = (
        select(Organization.id, Member.role, Organization.is_personal, owner.c.current_plan)
        .join(Member, Member.organization_id == Organization.id)
        .join(owner, owner.c.id == Organization.owner_id)
        .where(Member.user_id == user_id)
    )
    if personal:
        return stmt.where(Organization.is_personal, Organization.owner_id == user_id)
    return stmt.where(Organization.id == bindparam("organization_id", type_=Organization.id.type))


_PERSONAL = Compiled.of(_membership(personal=True))
_NAMED = Compiled.of(_membership(personal=False))


async def membership(
    conn: Connection, *, user_id: uuid.UUID, organization_id: uuid.UUID | None
) -> Tenant | None:
    """The caller's tenant in an organization (their personal one when None); None when the
    organization does not exist or the caller is not a member: the two are not told apart."""
    if organization_id is None:
        row = await _PERSONAL.fetchrow(conn, user_id=user_id)
    else:
        row = await _NAMED.fetchrow(conn, user_id=user_id, organization_id=organization_id)
    if row is None:
        return None
    return Tenant(organization_id=row[0], role=row[1], is_personal=row[2], plan=row[3])
