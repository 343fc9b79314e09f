"""Every successful call of an RPC that declares an audit entry writes it, once.

The domain's unit of work writes it in the transaction of the change
(server/platform/tenancy/unit_of_work.py); a call whose domain marked no transaction gets it here,
in one of its own, after it succeeded. Inside the idempotency interceptor: a replayed answer ran
nothing and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc

from server.platform.context import AuditNote, current_call
from server.platform.contract.registry import MethodSpec, Registry
from server.platform.db.database import Database
from server.platform.interceptors.base import CallInterceptor
from server.platform.tenancy.unit_of_work import write_owed_audit


class AuditInterceptor(CallInterceptor):
    def __init__(self, registry: Registry, db: Database):
        super().__init__(registry)
        self._db = db

    def applies(self, spec: MethodSpec) -> bool:
        return spec.audit is not None

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        if spec.audit is None:
            yield
            return
        action, target_type, target_field = spec.audit
        state = current_call()
        state.audit = AuditNote(
            action,
            target_type,
            target_id=(getattr(request, target_field) or None) if target_field else None,
        )
        yield
        await write_owed_audit(self._db)
