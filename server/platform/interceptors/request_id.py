"""Request id: taken from Envoy's x-request-id (or made), kept for logs, errors and replies."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc

from server.platform.context import CallState, call_var, request_id_var
from server.platform.contract.registry import MethodSpec
from server.platform.interceptors.base import CallInterceptor
from server.platform.tracing.provider import tag_request_id

log = logging.getLogger("fingate.rpc")

# A client-chosen id is echoed into logs and headers: accept only a short, plain token.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def _metadata(context: grpc.aio.ServicerContext[Any, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):
            found.setdefault(key, []).append(value)
    return found


class RequestIdInterceptor(CallInterceptor):
    """Opens the CallState of every call and logs one line when it ends."""

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        metadata = _metadata(context)
        given = (metadata.get("x-request-id") or [""])[0]
        rid = given if _VALID_ID.match(given) else str(uuid.uuid4())
        state = CallState(request_id=rid, metadata=metadata)
        state.response_headers.append(("x-request-id", rid))
        tag_request_id(rid)
        call_token = call_var.set(state)
        rid_token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            yield
        finally:
            code = context.code()
            log.info(
                "rpc",
                extra={
                    "method": spec.path or "grpc",
                    "code": code.name if isinstance(code, grpc.StatusCode) else "OK",
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(rid_token)
            call_var.reset(call_token)
