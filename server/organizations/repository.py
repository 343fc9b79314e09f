"""SQL of organizations, members and invitations; every function runs in the caller's session."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.auth.models import User
from server.organizations.models import Invitation, Member, Organization
from server.platform.common.ids import new_id

PERSONAL_NAME = "My Personal Workspace"


async def add_organization(s: AsyncSession, **fields: Any) -> Organization | None:
    """Inserts an organization; None when its slug is taken."""
    stmt = (
        insert(Organization)
        .values(id=new_id(), **fields)
        .on_conflict_do_nothing(index_elements=[Organization.slug])
        .returning(Organization)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def add_personal_organization(s: AsyncSession, user_id: uuid.UUID) -> Organization:
    """The user's personal workspace, with the user as its only OWNER."""
    org = await add_organization(
        s,
        name=PERSONAL_NAME,
        slug=f"personal-{user_id.hex}",
        owner_id=user_id,
        is_personal=True,
    )
    assert org is not None  # the slug embeds the new user's id
    await add_member(s, organization_id=org.id, user_id=user_id, role="OWNER")
    return org


async def add_member(
    s: AsyncSession, *, organization_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> Member | None:
    """Adds a member; None when the user already is one."""
    stmt = (
        insert(Member)
        .values(id=new_id(), organization_id=organization_id, user_id=user_id, role=role)
        .on_conflict_do_nothing(index_elements=[Member.organization_id, Member.user_id])
        .returning(Member)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


def _member_count(org_id: Any) -> Any:
    # An alias of its own: the outer query joins organization_members too.
    others = aliased(Member)
    return (
        select(func.count())
        .select_from(others)
        .where(others.organization_id == org_id)
        .correlate_except(others)
        .scalar_subquery()
    )


async def list_for_user(s: AsyncSession, user_id: uuid.UUID) -> list[tuple[Organization, str, int]]:
    """(organization, the user's role, member count), the personal one first."""
    stmt = (
        select(Organization, Member.role, _member_count(Organization.id))
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.user_id == user_id)
        .order_by(Organization.is_personal.desc(), Organization.created_at, Organization.id)
    )
    return [(r[0], r[1], r[2]) for r in (await s.execute(stmt)).all()]


async def get_organization(
    s: AsyncSession, org_id: uuid.UUID, *, lock: bool = False
) -> Organization | None:
    stmt = select(Organization).where(Organization.id == org_id)
    if lock:
        # Membership changes of one organization serialise on its row: the "at least one
        # OWNER" rule is checked and applied without a race.
        stmt = stmt.with_for_update()
    return (await s.execute(stmt)).scalar_one_or_none()


async def member_count(s: AsyncSession, org_id: uuid.UUID) -> int:
    return int((await s.execute(select(_member_count(org_id)))).scalar_one())


async def members_of(s: AsyncSession, org_id: uuid.UUID) -> list[tuple[Member, str]]:
    stmt = (
        select(Member, User.email)
        .join(User, User.id == Member.user_id)
        .where(Member.organization_id == org_id)
        .order_by(Member.joined_at, Member.id)
    )
    return [(r[0], r[1]) for r in (await s.execute(stmt)).all()]


async def get_member(
    s: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Member, str] | None:
    stmt = (
        select(Member, User.email)
        .join(User, User.id == Member.user_id)
        .where(Member.organization_id == org_id, Member.user_id == user_id)
    )
    row = (await s.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def is_member_email(s: AsyncSession, org_id: uuid.UUID, email: str) -> bool:
    stmt = (
        select(Member.id)
        .join(User, User.id == Member.user_id)
        .where(Member.organization_id == org_id, User.email == email)
    )
    return (await s.execute(stmt)).first() is not None


async def other_owners(s: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> list[uuid.UUID]:
    """OWNERs other than user_id, longest-standing first."""
    stmt = (
        select(Member.user_id)
        .where(Member.organization_id == org_id, Member.role == "OWNER", Member.user_id != user_id)
        .order_by(Member.joined_at, Member.id)
    )
    return list((await s.execute(stmt)).scalars())


async def set_role(s: AsyncSession, member_id: uuid.UUID, role: str) -> Member:
    stmt = (
        update(Member)
        .where(Member.id == member_id)
        .values(role=role, updated_at=func.now())
        .returning(Member)
    )
    return (await s.execute(stmt)).scalar_one()


async def delete_member(s: AsyncSession, member_id: uuid.UUID) -> None:
    await s.execute(delete(Member).where(Member.id == member_id))


async def set_billing_owner(s: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await s.execute(update(Organization).where(Organization.id == org_id).values(owner_id=user_id))


async def add_invitation(
    s: AsyncSession,
    *,
    organization_id: uuid.UUID,
    email: str,
    role: str,
    token_hash: str,
    invited_by: uuid.UUID,
    expires_at: dt.datetime,
) -> Invitation:
    # A new invitation replaces a pending one to the same address: one live link at a time.
    await s.execute(
        update(Invitation)
        .where(
            Invitation.organization_id == organization_id,
            Invitation.email == email,
            Invitation.status == "PENDING",
        )
        .values(status="REVOKED")
    )
    invitation = Invitation(
        id=new_id(),
        organization_id=organization_id,
        email=email,
        role=role,
        status="PENDING",
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=expires_at,
    )
    s.add(invitation)
    await s.flush()
    await s.refresh(invitation)
    return invitation


async def lock_invitation(
    s: AsyncSession, *, invitation_id: uuid.UUID | None, token_hash: str | None
) -> tuple[Invitation, Organization] | None:
    """The invitation (by id or by its link's token hash) and its organization, locked."""
    stmt = select(Invitation, Organization).join(
        Organization, Organization.id == Invitation.organization_id
    )
    if invitation_id is not None:
        stmt = stmt.where(Invitation.id == invitation_id)
    else:
        stmt = stmt.where(Invitation.token_hash == token_hash)
    row = (await s.execute(stmt.with_for_update(of=Invitation))).one_or_none()
    return (row[0], row[1]) if row else None


async def mark_accepted(
    s: AsyncSession, invitation_id: uuid.UUID, *, user_id: uuid.UUID
) -> Invitation:
    stmt = (
        update(Invitation)
        .where(Invitation.id == invitation_id)
        .values(status="ACCEPTED", accepted_at=func.now(), accepted_by=user_id)
        .returning(Invitation)
    )
    return (await s.execute(stmt)).scalar_one()
