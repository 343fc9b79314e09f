"""Tenant context: the organization of every organization-scoped RPC, resolved and checked once.

Runs after authentication. For an RPC whose contract declares `org_role`, it reads the
organization the request names (server/platform/tenancy/sources.py), loads the caller's membership
from the database (so a removed member or a downgraded plan counts on the very next request), and
refuses the call before any domain code runs: 404 when the organization is unknown or the caller is
not a member (another tenant's existence is not revealed), 403 when the role is too low. The
request's own `organization_id` field is then cleared: domain code sees only the resolved
organization, through server.platform.context.tenant().
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import grpc
from asyncpg import Connection

from server.platform.context import SERVICE_ROLE, Tenant, current_call, principal
from server.platform.contract.registry import ORG_ROLE_RANK, MethodSpec, Registry
from server.platform.db.database import Database
from server.platform.errors import Forbidden, NotFound
from server.platform.interceptors.base import CallInterceptor
from server.platform.tenancy.sources import read_sources, requested_organization

_FIELD = "organization_id"


class Membership(Protocol):
    """The caller's tenant in an organization (their personal one when None), None when not a
    member: the organizations domain answers it (server/organizations/membership.py)."""

    def __call__(
        self, conn: Connection, *, user_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> Awaitable[Tenant | None]: ...


class TenantInterceptor(CallInterceptor):
    def __init__(self, registry: Registry, db: Database, membership: Membership):
        super().__init__(registry)
        self._db = db
        self._membership = membership

    def applies(self, spec: MethodSpec) -> bool:
        return spec.org_role is not None

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        # A service principal belongs to no organization: internal RPCs serve it without one.
        if spec.org_role is not None and not (spec.internal and principal().role == SERVICE_ROLE):
            state = current_call()
            has_field = _FIELD in type(request).DESCRIPTOR.fields_by_name
            named = read_sources(
                original_path=state.header("x-envoy-original-path"),
                query=state.header("x-fingate-query-organization-id"),
                header=state.header("x-organization-id"),
                field=getattr(request, _FIELD) if has_field else "",
            )
            wanted = requested_organization(named)
            async with self._db.driver() as conn:
                found = await self._membership(
                    conn, user_id=principal().user_id, organization_id=wanted
                )
            if found is None:
                raise NotFound("Organization not found")
            if ORG_ROLE_RANK[found.role] < ORG_ROLE_RANK[spec.org_role]:
                raise Forbidden(f"This action needs the {spec.org_role} role in the organization")
            state.tenant = found
            if has_field:
                request.ClearField(_FIELD)
        yield
