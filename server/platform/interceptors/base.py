"""One way to wrap a handler: an async context manager around the servicer call."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, cast

import grpc

from server.platform.contract.registry import MethodSpec, Registry

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
        # method → (the inner handler, ours around it). grpc asks every interceptor on every
        # call; the inner handler of a method is the same object each time, so the wrapper
        # (closures, a method handler) is built once per method, not per call.
        self._wrapped: dict[str, tuple[Any, grpc.RpcMethodHandler[Any, Any]]] = {}

    @abstractmethod
    def around(
        self, spec: MethodSpec, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AbstractAsyncContextManager[None]:
        """The rule this interceptor applies to a call."""

    async def before_response(
        self, spec: MethodSpec, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        """Hook for the moment before the first byte of the response."""

    def applies(self, spec: MethodSpec) -> bool:
        """Whether the rule concerns this RPC at all (its contract options decide). A rule
        that does not leaves the handler unwrapped: no per-call cost for it."""
        return True

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
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self._wrap(self.registry.get(method), handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(
        self, spec: MethodSpec, handler: grpc.RpcMethodHandler[Any, Any]
    ) -> grpc.RpcMethodHandler[Any, Any]:
        if not self.applies(spec):
            return handler
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
