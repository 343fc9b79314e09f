"""Builds the grpc.aio server: interceptors, servicers, health and reflection."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from fingate.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from fingate.system.v1 import system_service_pb2, system_service_pb2_grpc
from server.auth.authenticator import Authenticator
from server.auth.domain import Auth
from server.auth.servicer import AuthServicer
from server.config import Settings
from server.contract.registry import Registry
from server.db.database import Database
from server.interceptors.auth import AuthInterceptor
from server.interceptors.errors import ErrorInterceptor
from server.interceptors.rate_limit import RateLimitInterceptor
from server.interceptors.request_id import RequestIdInterceptor
from server.mail.dispatcher import MailDispatcher
from server.ratelimit.limiter import Limiter, make_storage
from server.ratelimit.policy import Policy
from server.system.servicer import SystemServicer

# Every fingate service the server mounts, by its generated module.
SERVICE_MODULES = [auth_service_pb2, system_service_pb2]


@dataclass
class App:
    server: grpc.aio.Server
    db: Database
    mail: MailDispatcher
    health: health.aio.HealthServicer
    registry: Registry


def build(settings: Settings) -> App:
    """A server bound to settings.grpc_host:grpc_port, not yet started."""
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    mail = MailDispatcher(db, settings)
    registry = Registry.from_modules(SERVICE_MODULES)
    interceptors = [
        RequestIdInterceptor(registry),
        ErrorInterceptor(registry),
        AuthInterceptor(registry, Authenticator(db, settings)),
        RateLimitInterceptor(registry, Policy(settings), Limiter(make_storage(settings))),
    ]
    limit = settings.max_message_bytes
    server = grpc.aio.server(
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", 16 * limit),
            ("grpc.so_reuseport", 0),
        ],
    )
    auth_service_pb2_grpc.add_AuthServiceServicer_to_server(
        AuthServicer(Auth(db, settings, mail)), server
    )
    system_service_pb2_grpc.add_SystemServiceServicer_to_server(
        SystemServicer(db, settings), server
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [s.full_name for m in SERVICE_MODULES for s in m.DESCRIPTOR.services_by_name.values()]
    reflection.enable_server_reflection(
        [
            *names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
    return App(server=server, db=db, mail=mail, health=health_servicer, registry=registry)


async def set_serving(app: App, serving: bool) -> None:
    """Marks the whole server and each fingate service in grpc.health.v1."""
    status = (
        health_pb2.HealthCheckResponse.SERVING
        if serving
        else health_pb2.HealthCheckResponse.NOT_SERVING
    )
    for path in ["", *{p.split("/")[1] for p in app.registry.paths()}]:
        await app.health.set(path, status)
