"""Organization domain values → protos; the only place the two meet."""

from __future__ import annotations

from fingate.organizations.v1 import organization_pb2 as pb
from server.organizations.domain import Accepted, Detail, IssuedInvitation, Listed
from server.organizations.models import Member, Organization
from server.platform.common.nulls import text_or_null
from server.platform.common.time import to_timestamp


def summary(item: Listed) -> pb.OrganizationSummary:
    org = item.organization
    return pb.OrganizationSummary(
        id=str(org.id),
        name=org.name,
        slug=org.slug,
        is_personal=org.is_personal,
        role=item.role,
        member_count=item.member_count,
        created_at=to_timestamp(org.created_at),
    )


def created(org: Organization, member_count: int) -> pb.CreatedOrganization:
    msg = pb.CreatedOrganization(
        id=str(org.id),
        name=org.name,
        slug=org.slug,
        owner_id=str(org.owner_id),
        member_count=member_count,
        created_at=to_timestamp(org.created_at),
    )
    msg.description.CopyFrom(text_or_null(org.description))
    return msg


def member(m: Member, email: str) -> pb.Member:
    return pb.Member(
        user_id=str(m.user_id), role=m.role, email=email, joined_at=to_timestamp(m.joined_at)
    )


def detail(d: Detail) -> pb.OrganizationDetail:
    org = d.organization
    msg = pb.OrganizationDetail(
        id=str(org.id),
        name=org.name,
        slug=org.slug,
        owner_id=str(org.owner_id),
        member_count=len(d.members),
        created_at=to_timestamp(org.created_at),
        members=[member(m, email) for m, email in d.members],
    )
    msg.description.CopyFrom(text_or_null(org.description))
    return msg


def updated_member(m: Member, email: str) -> pb.UpdatedMember:
    return pb.UpdatedMember(
        id=str(m.id),
        user_id=str(m.user_id),
        role=m.role,
        email=email,
        updated_at=to_timestamp(m.updated_at),
    )


def invitation(issued: IssuedInvitation) -> pb.Invitation:
    inv = issued.invitation
    return pb.Invitation(
        id=str(inv.id),
        email=inv.email,
        role=inv.role,
        status=inv.status,
        expires_at=to_timestamp(inv.expires_at),
        invitation_link=issued.link,
        created_at=to_timestamp(inv.created_at),
    )


def accepted(a: Accepted) -> pb.AcceptedInvitation:
    inv = a.invitation
    assert inv.accepted_at is not None
    return pb.AcceptedInvitation(
        id=str(inv.id),
        status=inv.status,
        organization_id=str(a.organization.id),
        organization_name=a.organization.name,
        role=inv.role,
        accepted_at=to_timestamp(inv.accepted_at),
    )
