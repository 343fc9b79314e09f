"""Idempotency keys, after authentication, tenant and rate limit: the rule of DESIGN.md
"Idempotency", for the RPCs whose contract declares `idempotent` (server/platform/idempotency/).

A call with an `Idempotency-Key` header claims the key (user, organization, RPC, key) in its
own committed statement, runs, and stores its response message and the response headers its
servicer set. A retry with the same key and the same request gets that response again (the same
status: x-http-code follows the contract) without the servicer running, plus the header
`idempotent-replayed: true`. The same key with another request, or while the first call still
runs, is 409 CONFLICT. A call that fails lets go of its key, so a retry runs again: errors are
not remembered (Stripe remembers them; ours leave no side effect behind, and a retry after a
provider outage should be able to succeed). A claim left in progress by a dead process is taken
over after keys.ABANDONED_AFTER; keys expire after keys.TTL. Calls without the header run as
before. Retries count against the rate limit like any request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf import descriptor_pool, message_factory

from server.platform.context import add_response_header, current_call, principal
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.db.database import Database
from server.platform.errors import Conflict
from server.platform.idempotency import keys, repository
from server.platform.interceptors.base import CallInterceptor, Unary

log = logging.getLogger("fingate.idempotency")

IN_PROGRESS = "A request with this Idempotency-Key is still in progress"
OTHER_REQUEST = (
    "This Idempotency-Key was already used with a different request; use a new key for it"
)
REPLAYED = "idempotent-replayed"
# Claims tried before giving up: a key let go between our claim and our read is claimed again.
_ATTEMPTS = 3

Ctx = grpc.aio.ServicerContext[Any, Any]


def _response_type(path: str) -> Any:
    """The generated response class of a method path (/pkg.Service/Method)."""
    name = path.lstrip("/").replace("/", ".")
    method = descriptor_pool.Default().FindMethodByName(name)
    return message_factory.GetMessageClass(method.output_type)


class IdempotencyInterceptor(CallInterceptor):
    """Answers a retried idempotent call with its first response."""

    def __init__(self, registry: Registry, db: Database):
        super().__init__(registry)
        self._db = db
        self._types = {s.path: _response_type(s.path) for s in registry.specs() if s.idempotent}

    def applies(self, spec: MethodSpec) -> bool:
        return spec.idempotent

    @asynccontextmanager
    async def around(self, spec: MethodSpec, request: Any, context: Ctx) -> AsyncIterator[None]:
        yield  # streaming RPCs: the registry refuses `idempotent` on them

    def wrap_unary(self, spec: MethodSpec, inner: Unary) -> Unary:
        if not spec.idempotent:
            return inner

        async def call(request: Any, context: Ctx) -> Any:
            key = keys.valid_key(current_call().headers(keys.HEADER))
            if key is None:
                return await inner(request, context)
            tenant = current_call().tenant
            scope = keys.Scope(
                user_id=principal().user_id,
                organization_id=tenant.organization_id if tenant is not None else None,
                method=spec.path,
                key=key,
            )
            return await self._once(spec, scope, request, context, inner)

        return call

    async def _once(
        self, spec: MethodSpec, scope: keys.Scope, request: Any, context: Ctx, inner: Unary
    ) -> Any:
        digest = keys.fingerprint(request)
        for _ in range(_ATTEMPTS):
            async with self._db.transaction() as s:
                claimed_at = await repository.claim(s, scope, request_sha256=digest)
            if claimed_at is not None:
                return await self._first(scope, claimed_at, request, context, inner)
            async with self._db.read() as s:
                found = await repository.find(s, scope)
            if found is not None:
                return self._replay(spec, found, digest)
        raise Conflict(IN_PROGRESS)

    async def _first(
        self,
        scope: keys.Scope,
        claimed_at: dt.datetime,
        request: Any,
        context: Ctx,
        inner: Unary,
    ) -> Any:
        headers = current_call().response_headers
        before = len(headers)
        try:
            response = await inner(request, context)
        except BaseException:
            await self._release(scope, claimed_at)
            raise
        try:
            async with self._db.transaction() as s:
                await repository.complete(
                    s,
                    scope,
                    claimed_at=claimed_at,
                    response=response.SerializeToString(),
                    headers=keys.result_headers(headers[before:]),
                )
        except Exception:
            # The effect happened: answer it. The claim stays in progress until abandoned, so
            # a quick retry is told to wait rather than repeating the effect.
            log.exception("could not store the result of an idempotent call", extra=_log(scope))
        return response

    async def _release(self, scope: keys.Scope, claimed_at: dt.datetime) -> None:
        try:
            async with self._db.transaction() as s:
                await repository.release(s, scope, claimed_at=claimed_at)
        except Exception:
            # The claim is taken over once abandoned; the call's own error is what to answer.
            log.warning("could not release an idempotency key", extra=_log(scope))

    def _replay(self, spec: MethodSpec, held: repository.Held, digest: bytes) -> Any:
        if held.request_sha256 != digest:
            raise Conflict(OTHER_REQUEST)
        if held.response is None:
            raise Conflict(IN_PROGRESS)
        for name, value in held.headers:
            add_response_header(name, value)
        add_response_header(REPLAYED, "true")
        return self._types[spec.path].FromString(held.response)


def _log(scope: keys.Scope) -> dict[str, str]:
    return {"method": scope.method, "user_id": str(scope.user_id)}
