"""Authentication and user-level roles, as each RPC's `access` option declares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import grpc

from server.platform.context import INTERNAL_ROLES, SERVICE_ROLE, Principal, current_call
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.errors import Forbidden
from server.platform.interceptors.base import CallInterceptor


class Authenticator(Protocol):
    """Turns an `authorization` header into the caller, or raises Unauthenticated: the auth
    domain answers it (server/auth/authenticator.py)."""

    async def authenticate(self, authorization: str | None) -> Principal: ...


class AuthInterceptor(CallInterceptor):
    """Every RPC needs a live session unless its contract says `public: true`; service
    principals reach only `internal` RPCs, and `internal` RPCs without an organization role
    only service principals and ADMIN users."""

    def __init__(self, registry: Registry, authenticator: Authenticator):
        super().__init__(registry)
        self._authenticator = authenticator

    def applies(self, spec: MethodSpec) -> bool:
        return not spec.public

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        if not spec.public:
            state = current_call()
            authorization = state.header("authorization")
            if authorization is None and spec.token_field:
                # A client that cannot send headers (EventSource) names its token in the query.
                token = getattr(request, spec.token_field, "")
                authorization = f"Bearer {token}" if token else None
            state.principal = await self._authenticator.authenticate(authorization)
            role = state.principal.role
            if role == SERVICE_ROLE and not spec.internal:
                raise Forbidden("Service principals may call internal routes only")
            if spec.internal and spec.org_role is None and role not in INTERNAL_ROLES:
                raise Forbidden("This route needs internal authentication")
            if spec.user_roles and role not in spec.user_roles:
                raise Forbidden()
        yield
