"""Error mapping, written once: DomainError → gRPC status with rich details + REST body.

Also the one place that sends a call's response headers: as initial metadata on success (with
`x-http-code` when the contract declares 201/204), as trailing metadata on error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from server.platform.context import CallState, current_call
from server.platform.contract.registry import MethodSpec
from server.platform.envelopes import encode_for_metadata, render_error
from server.platform.errors import (
    INTERNAL,
    INTERNAL_MESSAGE,
    DomainError,
    ErrorSpec,
    InvalidInput,
    RateLimited,
    ServiceUnavailable,
    spec_for,
    translate_foreign,
)
from server.platform.interceptors.base import CallInterceptor

log = logging.getLogger("fingate.errors")


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _status(
    spec: ErrorSpec, message: str, error: DomainError | None, request_id: str
) -> status_pb2.Status:
    status = status_pb2.Status(code=spec.grpc_code.value[0], message=message)
    meta = {}
    if error is not None:
        meta = {k: str(v) for k, v in error.details.items() if isinstance(v, str | int | float)}
    info = error_details_pb2.ErrorInfo(reason=spec.reason, domain="fingate", metadata=meta)
    status.details.append(_pack(info))
    if isinstance(error, InvalidInput):
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.message)
            for v in error.violations
        ]
        status.details.append(_pack(error_details_pb2.BadRequest(field_violations=violations)))
    if isinstance(error, RateLimited | ServiceUnavailable):
        delay = duration_pb2.Duration(seconds=error.retry_after)
        status.details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    status.details.append(_pack(error_details_pb2.RequestInfo(request_id=request_id)))
    return status


class ErrorInterceptor(CallInterceptor):
    """Maps every failure to a canonical status; nothing internal leaks."""

    @asynccontextmanager
    async def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        try:
            yield
        except grpc.aio.AbortError:
            raise
        except DomainError as error:
            await self._abort(spec, context, spec_for(error), error.message, error)
        except Exception as exc:
            translated = translate_foreign(exc)
            if translated is None:
                # The request id and the exception's type and frames (server/platform/logs.py),
                # never its text: that can quote bound values or a provider's token.
                log.error(
                    "unhandled error",
                    exc_info=exc,
                    extra={"method": spec.path or "grpc service"},
                )
                await self._abort(spec, context, INTERNAL, INTERNAL_MESSAGE, None)
            else:
                log.warning("%s: %s", spec.path, type(exc).__name__)
                await self._abort(
                    spec, context, spec_for(translated), translated.message, translated
                )

    async def before_response(
        self, spec: MethodSpec, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        headers = list(current_call().response_headers)
        if spec.http_status:
            headers.append(("x-http-code", str(spec.http_status)))
        await context.send_initial_metadata(headers)

    async def _abort(
        self,
        spec: MethodSpec,
        context: grpc.aio.ServicerContext[Any, Any],
        error_spec: ErrorSpec,
        message: str,
        error: DomainError | None,
    ) -> None:
        state: CallState = current_call()
        details = dict(error.details) if error is not None else {"requestId": state.request_id}
        content_type, body = render_error(
            spec.error_format,
            error_spec,
            message,
            details,
            request_id=state.request_id,
            instance=state.header("x-envoy-original-path"),
        )
        status = rpc_status.to_status(_status(error_spec, message, error, state.request_id))
        trailers: tuple[tuple[str, str | bytes], ...] = (
            *status.trailing_metadata,
            *state.response_headers,
        )
        if state.header("x-envoy-original-path") is not None:
            # Transcoded REST call (Envoy sets this and strips a client's): Lua needs the body.
            trailers = (
                *trailers,
                ("x-http-code", str(error_spec.http_status)),
                ("x-rest-content-type", content_type),
                ("x-rest-error", encode_for_metadata(body)),
            )
        if isinstance(error, RateLimited | ServiceUnavailable):
            trailers = (*trailers, ("retry-after", str(error.retry_after)))
        await context.abort(status.code, status.details, trailing_metadata=trailers)
