"""The one place request fields are checked against the contract: text no field may carry (a
NUL, which PostgreSQL cannot store, or another control character) and the constraints each
request message declares (server/platform/contract/constraints.py). A broken rule is 400
INVALID_INPUT naming every offending field by its JSON path, before any domain code runs; domains
keep only the rules that need data (uniqueness, ownership, plan limits).

It runs after authentication, tenancy and rate limiting, so an anonymous or throttled caller
learns nothing about a route's rules, and invalid requests still count against the limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf.message import Message

from fingate.common.v1 import options_pb2
from server.platform.common.validation import carries_text, text_violations
from server.platform.contract.constraints import Constraints
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.errors import InvalidInput
from server.platform.interceptors.base import CallInterceptor


class ValidationInterceptor(CallInterceptor):
    def __init__(self, registry: Registry):
        super().__init__(registry)
        self._constraints = Constraints(s.request for s in registry.specs() if s.request)
        # Requests that can hold neither text nor a declared rule (GetCurrentUser's, SignOut's)
        # leave this interceptor out of their chain.
        self._checked = {
            s.path
            for s in registry.specs()
            if s.request is not None
            and (carries_text(s.request) or self._constraints.declares(s.request))
        }

    def applies(self, spec: MethodSpec) -> bool:
        return spec.path in self._checked

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        if isinstance(request, Message):
            violations = text_violations(request) or self._constraints.violations(request)
            if violations:
                # Problem details carry no field list: their `detail` names the fields instead.
                problem = spec.error_format == options_pb2.ERROR_FORMAT_PROBLEM
                raise InvalidInput(
                    violations,
                    "; ".join(f"{v.field} {v.message}" for v in violations) if problem else None,
                )
        yield
