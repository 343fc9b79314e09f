"""Organization use cases. Membership and role were checked by the tenant interceptor for every
RPC that names an organization; what remains here are the rules of membership itself."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tokens import hash_token, new_opaque_token
from server.organizations import mails
from server.organizations import repository as repo
from server.organizations.models import Invitation, Member, Organization
from server.platform.common.ids import parse_id
from server.platform.common.validation import normalize_email
from server.platform.config import Settings
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.errors import Conflict, Forbidden, InvalidToken, NotFound
from server.platform.jobs.app import JobQueue
from server.platform.mail import outbox
from server.platform.mail.delivery import request_delivery
from server.platform.tenancy.session import bind_organization
from server.platform.tenancy.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Listed:
    organization: Organization
    role: str
    member_count: int


@dataclass(frozen=True, slots=True)
class Detail:
    organization: Organization
    members: list[tuple[Member, str]]


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    link: str


@dataclass(frozen=True, slots=True)
class Accepted:
    invitation: Invitation
    organization: Organization


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _user_id(raw: str) -> uuid.UUID:
    """An id from the path; one that is no UUID names nothing that exists."""
    found = parse_id(raw)
    if found is None:
        raise NotFound("Member not found")
    return found


async def _locked_member(
    s: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Organization, Member, str]:
    """The organization (locked: role changes and removals of one organization queue up, so
    none can leave it without an OWNER), the member and their email; NotFound when either is
    gone."""
    org = await repo.get_organization(s, org_id, lock=True)
    found = await repo.get_member(s, org_id, user_id) if org else None
    if org is None or found is None:
        raise NotFound("Member not found")
    member, email = found
    return org, member, email


class Organizations:
    def __init__(self, db: Database, settings: Settings, jobs: JobQueue):
        self.db = db
        self.settings = settings
        self.jobs = jobs

    async def list_mine(self) -> list[Listed]:
        async with self.db.read() as s:
            rows = await repo.list_for_user(s, principal().user_id)
        return [Listed(org, role, count) for org, role, count in rows]

    async def create(self, *, name: str, slug: str, description: str) -> tuple[Organization, int]:
        name, slug, description = name.strip(), slug.lower(), description.strip()
        me = principal().user_id
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            org = await repo.add_organization(
                s, name=name, slug=slug, description=description or None, owner_id=me
            )
            if org is None:
                raise Conflict(
                    "Organization slug already taken",
                    details={"field": "slug", "issue": "Slug already taken"},
                )
            await repo.add_member(s, organization_id=org.id, user_id=me, role="OWNER")
            await bind_organization(s, org.id)
            work.audit(target_id=org.id, organization_id=org.id)
        return org, 1

    async def get(self) -> Detail:
        org_id = tenant().organization_id
        async with self.db.read() as s:
            org = await repo.get_organization(s, org_id)
            members = await repo.members_of(s, org_id)
        if org is None:  # deleted between the interceptor's check and now
            raise NotFound("Organization not found")
        return Detail(org, members)

    async def invite(self, *, email: str, role: str) -> IssuedInvitation:
        address, new_role = normalize_email(email), role.upper()
        t = tenant()
        if t.is_personal:
            raise Forbidden("A personal workspace cannot have other members")
        token, token_hash = new_opaque_token()
        ttl = self.settings.invitation_ttl_s
        link = f"{self.settings.app_url}/invite?token={quote(token)}"
        async with UnitOfWork(self.db) as work:
            s = work.session
            org = await repo.get_organization(s, t.organization_id)
            if org is None:
                raise NotFound("Organization not found")
            if await repo.is_member_email(s, org.id, address):
                raise Conflict(
                    "This user is already a member of the organization",
                    details={"field": "email", "issue": "Already a member"},
                )
            invitation = await repo.add_invitation(
                s,
                organization_id=org.id,
                email=address,
                role=new_role,
                token_hash=token_hash,
                invited_by=principal().user_id,
                expires_at=_now() + dt.timedelta(seconds=ttl),
            )
            subject, body = mails.invitation(
                organization=org.name, role=new_role, link=link, days=max(1, ttl // 86400)
            )
            await outbox.enqueue(s, recipient=address, subject=subject, body=body)
            work.audit(target_id=invitation.id, changes={"role": new_role}, organization_id=org.id)
            work.after_commit(partial(request_delivery, self.jobs))
        return IssuedInvitation(invitation, link)

    async def accept(self, invitation_ref: str) -> Accepted:
        ref = invitation_ref.strip()
        if not ref:
            raise NotFound("Invitation not found")
        try:
            by_id: uuid.UUID | None = uuid.UUID(ref)
        except ValueError:
            by_id = None
        me = principal()
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            found = await repo.lock_invitation(
                s, invitation_id=by_id, token_hash=None if by_id else hash_token(ref)
            )
            if found is None:
                raise NotFound("Invitation not found")
            invitation, org = found
            # The same answer whatever the state, to anyone but the invitee.
            if invitation.email != me.email:
                raise Forbidden("This invitation was sent to another email address")
            if invitation.status == "ACCEPTED":
                raise InvalidToken("This invitation has already been accepted")
            if invitation.status != "PENDING":
                raise InvalidToken("This invitation has been replaced by a newer one")
            if invitation.expires_at <= _now():
                raise InvalidToken("This invitation has expired")
            member = await repo.add_member(
                s, organization_id=org.id, user_id=me.user_id, role=invitation.role
            )
            if member is None:
                raise Conflict("You are already a member of this organization")
            accepted = await repo.mark_accepted(s, invitation.id, user_id=me.user_id)
            await bind_organization(s, org.id)
            work.audit(
                target_id=invitation.id,
                changes={"role": invitation.role},
                organization_id=org.id,
            )
        return Accepted(accepted, org)

    async def update_role(self, *, member_id: str, role: str) -> tuple[Member, str]:
        new_role = role.upper()
        user_id = _user_id(member_id)
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            org, member, email = await _locked_member(s, org_id, user_id)
            if member.role == "OWNER" and new_role != "OWNER":
                await self._hand_over(s, org, user_id)
            updated = await repo.set_role(s, member.id, new_role)
            work.audit(
                target_id=user_id,
                changes={"from": member.role, "to": new_role},
                organization_id=org_id,
            )
        return updated, email

    async def remove_member(self, *, member_id: str) -> None:
        user_id = _user_id(member_id)
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            org, member, _ = await _locked_member(s, org_id, user_id)
            if member.role == "OWNER":
                await self._hand_over(s, org, user_id)
            await repo.delete_member(s, member.id)
            work.audit(target_id=user_id, organization_id=org_id)

    async def _hand_over(self, s: AsyncSession, org: Organization, leaving: uuid.UUID) -> None:
        """An OWNER stops being one: refused for the last OWNER; when the billing owner
        leaves, the longest-standing remaining OWNER becomes it."""
        owners = await repo.other_owners(s, org.id, leaving)
        if not owners:
            raise Conflict(
                "An organization must keep at least one OWNER",
                details={"field": "role", "issue": "Last OWNER of the organization"},
            )
        if org.owner_id == leaving:
            await repo.set_billing_owner(s, org.id, owners[0])
