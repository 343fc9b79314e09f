"""Builds the grpc.aio server: interceptors, servicers, health and reflection."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from fingate.accounts.v1 import account_service_pb2, account_service_pb2_grpc
from fingate.admin.v1 import admin_service_pb2, admin_service_pb2_grpc
from fingate.apps.v1 import app_service_pb2, app_service_pb2_grpc
from fingate.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from fingate.banking.v1 import (
    banking_service_pb2,
    banking_service_pb2_grpc,
    connection_service_pb2,
    connection_service_pb2_grpc,
)
from fingate.budgets.v1 import budget_service_pb2, budget_service_pb2_grpc
from fingate.crypto.v1 import crypto_service_pb2, crypto_service_pb2_grpc
from fingate.gateway.v1 import gateway_service_pb2, gateway_service_pb2_grpc
from fingate.goals.v1 import goal_service_pb2, goal_service_pb2_grpc
from fingate.integrations.v1 import integration_service_pb2, integration_service_pb2_grpc
from fingate.networth.v1 import networth_service_pb2, networth_service_pb2_grpc
from fingate.organizations.v1 import organization_service_pb2, organization_service_pb2_grpc
from fingate.subscriptions.v1 import subscription_service_pb2, subscription_service_pb2_grpc
from fingate.system.v1 import system_service_pb2, system_service_pb2_grpc
from fingate.webhooks.v1 import webhook_service_pb2, webhook_service_pb2_grpc
from server.accounts.servicer import AccountServicer
from server.admin.domain import Admin
from server.admin.servicer import AdminServicer
from server.apps.domain import Apps
from server.apps.servicer import AppServicer
from server.apps.webhook_servicer import WebhookServicer
from server.auth.authenticator import Authenticator
from server.auth.domain import Auth
from server.auth.servicer import AuthServicer
from server.banking.api import BankingApi
from server.banking.connections.domain import Connections
from server.banking.connections.servicer import ConnectionServicer
from server.banking.domain import Banking
from server.banking.servicer import BankingServicer
from server.banking.sync.requests import request_sync
from server.budgets.domain import Budgets
from server.budgets.servicer import BudgetServicer
from server.crypto.domain import Wallets
from server.crypto.servicer import CryptoServicer
from server.crypto.stream import SyncStreams
from server.gateway.domain import Gateway
from server.gateway.servicer import GatewayServicer
from server.goals.domain import Goals
from server.goals.servicer import GoalServicer
from server.integrations.servicer import IntegrationServicer
from server.networth.domain import NetWorth
from server.networth.servicer import NetWorthServicer
from server.organizations.domain import Organizations
from server.organizations.membership import membership
from server.organizations.repository import add_personal_organization
from server.organizations.servicer import OrganizationServicer
from server.payments.gateway import PaymentGateway
from server.platform.cache.store import make_cache
from server.platform.config import Settings
from server.platform.contract.registry import Registry
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.interceptors.audit import AuditInterceptor
from server.platform.interceptors.auth import AuthInterceptor
from server.platform.interceptors.edge import EdgeInterceptor
from server.platform.interceptors.errors import ErrorInterceptor
from server.platform.interceptors.idempotency import IdempotencyInterceptor
from server.platform.interceptors.metrics import MetricsInterceptor
from server.platform.interceptors.rate_limit import RateLimitInterceptor
from server.platform.interceptors.request_id import RequestIdInterceptor
from server.platform.interceptors.retry import RetryInterceptor
from server.platform.interceptors.tenant import TenantInterceptor
from server.platform.interceptors.validation import ValidationInterceptor
from server.platform.jobs.app import JobQueue
from server.platform.jobs.stats import queue_stats
from server.platform.metrics.exposition import ProcessMetrics
from server.platform.metrics.recorder import RequestMetrics
from server.platform.ratelimit.accounts import AccountLimits
from server.platform.ratelimit.limiter import Limiter, make_buckets, make_storage
from server.platform.ratelimit.policy import Policy
from server.platform.tracing.provider import server_interceptors
from server.providers.apps import OAuthClient
from server.providers.rails import Rails
from server.providers.rates import RatesClient
from server.providers.registry import provider_for
from server.scrape import metrics_endpoint
from server.subscriptions.domain import Subscriptions
from server.subscriptions.servicer import SubscriptionServicer
from server.system.servicer import SystemServicer

# Every fingate service the server mounts, by its generated module.
SERVICE_MODULES = [
    auth_service_pb2,
    system_service_pb2,
    organization_service_pb2,
    budget_service_pb2,
    subscription_service_pb2,
    admin_service_pb2,
    connection_service_pb2,
    account_service_pb2,
    banking_service_pb2,
    integration_service_pb2,
    app_service_pb2,
    webhook_service_pb2,
    gateway_service_pb2,
    crypto_service_pb2,
    networth_service_pb2,
    goal_service_pb2,
]


@dataclass
class App:
    server: grpc.aio.Server
    db: Database
    jobs: JobQueue
    health: health.aio.HealthServicer
    registry: Registry
    metrics: RequestMetrics
    payments: PaymentGateway | None = None
    streams: SyncStreams | None = None
    oauth: OAuthClient | None = None
    rails: Rails | None = None
    exporter: ProcessMetrics | None = None


def build(settings: Settings) -> App:
    """A server bound to settings.grpc_host:grpc_port, not yet started."""
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    jobs = JobQueue(settings)
    registry = Registry.from_modules(SERVICE_MODULES)
    metrics = RequestMetrics(db, flush_s=settings.metrics_flush_s)
    # One counter store for every limit: per call (the interceptor) and per account (auth).
    policy, limiter = Policy(settings), Limiter(make_storage(settings), make_buckets(settings))
    interceptors = [
        # Tracing first (when on): its span holds every other interceptor's work.
        *server_interceptors(),
        RequestIdInterceptor(registry),
        MetricsInterceptor(registry, metrics),
        ErrorInterceptor(registry),
        EdgeInterceptor(registry, edge_token=settings.edge_token),
        AuthInterceptor(registry, Authenticator(db, settings)),
        TenantInterceptor(registry, db, membership),
        RateLimitInterceptor(registry, policy, limiter),
        ValidationInterceptor(registry),
        IdempotencyInterceptor(registry, db),
        AuditInterceptor(registry, db),
        RetryInterceptor(registry),
    ]
    limit = settings.max_message_bytes
    server = grpc.aio.server(
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", 16 * limit),
            # Several processes share one port only when their launcher says so: otherwise a
            # second server started by mistake would take half the calls silently.
            ("grpc.so_reuseport", 1 if settings.server_processes > 1 else 0),
        ],
    )
    auth_service_pb2_grpc.add_AuthServiceServicer_to_server(
        AuthServicer(
            Auth(db, settings, jobs, AccountLimits(policy, limiter), add_personal_organization)
        ),
        server,
    )
    system_service_pb2_grpc.add_SystemServiceServicer_to_server(
        SystemServicer(db, settings), server
    )
    organization_service_pb2_grpc.add_OrganizationServiceServicer_to_server(
        OrganizationServicer(Organizations(db, settings, jobs)), server
    )
    budget_service_pb2_grpc.add_BudgetServiceServicer_to_server(BudgetServicer(Budgets(db)), server)
    admin_service_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(Admin(db, metrics), queue_stats=partial(queue_stats, db)), server
    )
    payments = PaymentGateway.from_settings(settings)
    subscription_service_pb2_grpc.add_SubscriptionServiceServicer_to_server(
        SubscriptionServicer(Subscriptions(db, payments)), server
    )
    cache, vault = make_cache(settings), Vault.from_settings(settings)
    providers = partial(provider_for, settings=settings)
    connection_service_pb2_grpc.add_ConnectionServiceServicer_to_server(
        ConnectionServicer(Connections(db, jobs, cache, vault, providers, request_sync), cache),
        server,
    )
    # The account operations and the integrations are facades over banking's public API.
    banking_api = BankingApi(db, jobs, cache, vault, providers)
    account_service_pb2_grpc.add_AccountServiceServicer_to_server(
        AccountServicer(banking_api, cache), server
    )
    # The banking gateway (internal callers) reads bank data through banking's public API.
    rails = Rails(settings)
    gateway = Gateway(db, settings, vault, rails, jobs, banking_api)
    gateway_service_pb2_grpc.add_GatewayServiceServicer_to_server(GatewayServicer(gateway), server)
    banking_service_pb2_grpc.add_BankingServiceServicer_to_server(
        BankingServicer(Banking(db, jobs, cache, vault, providers), gateway.customer_accounts),
        server,
    )
    # One OAuth client per process: it holds the providers' connection pools and breakers.
    oauth = OAuthClient(settings)
    apps = Apps(db, settings, vault, oauth, jobs)
    app_service_pb2_grpc.add_AppServiceServicer_to_server(AppServicer(apps), server)
    integration_service_pb2_grpc.add_IntegrationServiceServicer_to_server(
        IntegrationServicer(banking_api, apps), server
    )
    webhook_service_pb2_grpc.add_WebhookServiceServicer_to_server(
        WebhookServicer(db, jobs, settings.quickbooks_webhook_verifier), server
    )
    # Sync progress reaches this process's streams through PostgreSQL LISTEN (plain asyncpg).
    streams = SyncStreams(
        settings.database_url.replace("postgresql+asyncpg://", "postgresql://"),
        heartbeat_s=settings.stream_heartbeat_s,
    )
    crypto_service_pb2_grpc.add_CryptoServiceServicer_to_server(
        CryptoServicer(Wallets(db, jobs), streams), server
    )
    networth_service_pb2_grpc.add_NetWorthServiceServicer_to_server(
        NetWorthServicer(NetWorth(db, RatesClient.from_settings(settings))), server
    )
    goal_service_pb2_grpc.add_GoalServiceServicer_to_server(GoalServicer(Goals(db)), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if settings.grpc_reflection:
        names = [
            s.full_name for m in SERVICE_MODULES for s in m.DESCRIPTOR.services_by_name.values()
        ]
        reflection.enable_server_reflection(
            [
                *names,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            server,
        )
    server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
    if settings.grpc_process_port:
        server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_process_port}")
    # Prometheus: this process's pool gauges and, on METRICS_PORT, every process's samples
    # plus the figures PostgreSQL holds (job queues, the crypto circuit), read when scraped.
    endpoint = metrics_endpoint(settings, db)
    return App(
        server=server,
        db=db,
        jobs=jobs,
        health=health_servicer,
        registry=registry,
        metrics=metrics,
        payments=payments,
        streams=streams,
        oauth=oauth,
        rails=rails,
        exporter=ProcessMetrics(db, process="server", endpoint=endpoint),
    )


async def set_serving(app: App, serving: bool) -> None:
    """Marks the whole server and each fingate service in grpc.health.v1."""
    status = (
        health_pb2.HealthCheckResponse.SERVING
        if serving
        else health_pb2.HealthCheckResponse.NOT_SERVING
    )
    for path in ["", *{p.split("/")[1] for p in app.registry.paths()}]:
        await app.health.set(path, status)
