"""Authentication and user-level roles, as each RPC's `access` option declares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import grpc

from server.platform.context import Principal, current_call
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.errors import Forbidden
from server.platform.interceptors.base import CallInterceptor


class Authenticator(Protocol):
    """Turns an `authorization` header into the caller, or raises Unauthenticated: the auth
    domain answers it (server/auth/authenticator.py)."""

    async def authenticate(self, authorization: str | None) -> Principal: ...


class AuthInterceptor(CallInterceptor):
    """Every RPC needs a live session unless its contract says `public: true`."""

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
            if spec.user_roles and state.principal.role not in spec.user_roles:
                raise Forbidden()
        yield
