"""Trust in the edge: only Envoy may say where a call came from."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc

from server.platform.context import current_call
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.errors import Forbidden
from server.platform.interceptors.base import CallInterceptor

EDGE_HEADER = "x-fingate-edge"
CLIENT_ADDRESS_HEADER = "x-envoy-external-address"


class EdgeInterceptor(CallInterceptor):
    """Refuses a client address claimed by anyone but Envoy, before anything reads it."""

    def __init__(self, registry: Registry, *, edge_token: str = ""):
        super().__init__(registry)
        self._edge_token = edge_token.encode()

    def applies(self, spec: MethodSpec) -> bool:
        return bool(self._edge_token)

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        if self._edge_token:
            state = current_call()
            # The per-address rate limits key on this header: on the gRPC port a caller could
            # send it itself. Envoy proves it set it with the edge token it adds.
            if state.header(CLIENT_ADDRESS_HEADER) is not None and not hmac.compare_digest(
                (state.header(EDGE_HEADER) or "").encode(), self._edge_token
            ):
                raise Forbidden("x-envoy-external-address is set by the edge proxy only")
        yield
