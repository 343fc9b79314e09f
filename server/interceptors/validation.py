"""Request hygiene for every RPC, before authentication: text that PostgreSQL cannot store (a
NUL) or that no field should carry (other control characters) is a 400 naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf.message import Message

from server.common.validation import text_violations
from server.contract.registry import MethodSpec
from server.errors import InvalidInput
from server.interceptors.base import CallInterceptor


class ValidationInterceptor(CallInterceptor):
    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        if isinstance(request, Message):
            violations = text_violations(request)
            if violations:
                raise InvalidInput(violations)
        yield
