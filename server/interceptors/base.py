"""One way to wrap a handler: an async context manager around the servicer call."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, cast

import grpc

from server.contract.registry import MethodSpec, Registry

Unary = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
Stream = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[Any]]


class CallInterceptor(grpc.aio.ServerInterceptor, ABC):
    """Runs `around()` around every unary and server-streaming call.

    Exceptions raised by the servicer (or by an inner interceptor) propagate into `around()`,
    so an interceptor can translate them; `before_response()` runs once, just before the
    response (or the first streamed message) leaves, so headers can still be sent.
    """

    def __init__(self, registry: Registry):
        self.registry = registry

    @abstractmethod
    def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AbstractAsyncContextManager[None]:
        """The rule this interceptor applies to a call."""

    async def before_response(
        self, spec: MethodSpec, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        """Hook for the moment before the first byte of the response."""

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        spec = self.registry.get(handler_call_details.method)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self.wrap_unary(spec, cast(Unary, handler.unary_unary)),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(spec, cast(Stream, handler.unary_stream)),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if spec.path:
            # A client-streaming fingate RPC would bypass every rule; refuse to serve it.
            raise TypeError(f"{spec.path}: client streaming is not supported by the chain")
        return handler  # grpc.reflection's bidi stream: public, no envelope

    def wrap_unary(self, spec: MethodSpec, inner: Unary) -> Unary:
        """The unary call with the rule around it. A rule that may answer without calling the
        servicer (an idempotent replay) overrides this instead of `around()`."""

        async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with self.around(spec, request, context):
                response = await inner(request, context)
                await self.before_response(spec, context)
                return response

        return call

    def _stream(self, spec: MethodSpec, inner: Stream) -> Stream:
        async def call(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            async with self.around(spec, request, context):
                started = False
                async for message in inner(request, context):
                    if not started:
                        await self.before_response(spec, context)
                        started = True
                    yield message
                if not started:
                    await self.before_response(spec, context)

        return call
