"""fingate.organizations.v1.OrganizationService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.organizations.v1 import organization_service_pb2 as pb
from fingate.organizations.v1 import organization_service_pb2_grpc
from server.organizations import convert
from server.organizations.domain import Organizations

Ctx = grpc.aio.ServicerContext[Any, Any]


class OrganizationServicer(organization_service_pb2_grpc.OrganizationServiceServicer):
    def __init__(self, organizations: Organizations):
        self._orgs = organizations

    async def ListOrganizations(
        self, request: pb.ListOrganizationsRequest, context: Ctx
    ) -> pb.ListOrganizationsResponse:
        items = await self._orgs.list_mine()
        return pb.ListOrganizationsResponse(success=True, data=[convert.summary(i) for i in items])

    async def CreateOrganization(
        self, request: pb.CreateOrganizationRequest, context: Ctx
    ) -> pb.CreateOrganizationResponse:
        org, count = await self._orgs.create(
            name=request.name, slug=request.slug, description=request.description
        )
        return pb.CreateOrganizationResponse(success=True, data=convert.created(org, count))

    async def GetOrganization(
        self, request: pb.GetOrganizationRequest, context: Ctx
    ) -> pb.GetOrganizationResponse:
        return pb.GetOrganizationResponse(success=True, data=convert.detail(await self._orgs.get()))

    async def InviteMember(
        self, request: pb.InviteMemberRequest, context: Ctx
    ) -> pb.InviteMemberResponse:
        issued = await self._orgs.invite(email=request.email, role=request.role)
        return pb.InviteMemberResponse(success=True, data=convert.invitation(issued))

    async def AcceptInvitation(
        self, request: pb.AcceptInvitationRequest, context: Ctx
    ) -> pb.AcceptInvitationResponse:
        accepted = await self._orgs.accept(request.invitation_id)
        return pb.AcceptInvitationResponse(success=True, data=convert.accepted(accepted))

    async def UpdateMemberRole(
        self, request: pb.UpdateMemberRoleRequest, context: Ctx
    ) -> pb.UpdateMemberRoleResponse:
        member, email = await self._orgs.update_role(member_id=request.member_id, role=request.role)
        return pb.UpdateMemberRoleResponse(success=True, data=convert.updated_member(member, email))

    async def RemoveMember(
        self, request: pb.RemoveMemberRequest, context: Ctx
    ) -> pb.RemoveMemberResponse:
        await self._orgs.remove_member(member_id=request.member_id)
        return pb.RemoveMemberResponse()
