"""A server stopped with SIGTERM writes the request counts it has not flushed yet."""

import grpc
from sqlalchemy import func, select

from fingate.system.v1 import system_service_pb2, system_service_pb2_grpc
from server.dev.devstack.stack import Stack
from server.platform.metrics.models import ApiRequestStat
from tests.conftest import VAR, shifted_ports
from tests.rest.client import call
from tests.secrets import JWT_SECRET

PORTS = shifted_ports(http=28120, grpc=25120, admin=29120, smtp=21120)
CALLS = 7


async def _health_requests(db) -> int:
    stmt = select(func.coalesce(func.sum(ApiRequestStat.count), 0)).where(
        ApiRequestStat.endpoint == "GET /health"
    )
    async with db.read() as s:
        return int((await s.execute(stmt)).scalar_one())


async def test_sigterm_flushes_pending_metrics(stack, db, rest, admin_credentials):
    # The session server writes its own pending counts first, so they cannot blur the figures.
    token = call(rest, "POST", "/api/v1/auth/sign-in", 200, json=admin_credentials)["data"]
    headers = {"Authorization": f"Bearer {token['session']['token']}"}
    call(rest, "GET", "/api/v1/admin/analytics", 200, headers=headers)

    second = Stack(
        ports=PORTS,
        var_dir=VAR / "metrics-shutdown",
        database_url=stack.database_url,
        run_migrations=False,
        smtp=False,
        sandbox=False,
        worker=False,
        envoy=False,
        # One flush an hour: whatever is written below was written by the stop path.
        env={"JWT_SECRET": JWT_SECRET, "METRICS_FLUSH_SECONDS": "3600"},
        app_env="test",
    )
    with second:
        before = await _health_requests(db)
        with grpc.insecure_channel(second.grpc_target) as channel:
            stub = system_service_pb2_grpc.SystemServiceStub(channel)
            for _ in range(CALLS):
                stub.GetHealth(system_service_pb2.GetHealthRequest())
        assert await _health_requests(db) - before < CALLS
    assert await _health_requests(db) - before >= CALLS
