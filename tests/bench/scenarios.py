"""What is measured: each scenario's call, its request count, warm-up and time cap."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fingate.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from fingate.budgets.v1 import budget_service_pb2, budget_service_pb2_grpc
from fingate.system.v1 import system_service_pb2, system_service_pb2_grpc
from tests.bench.cpu import CpuMeter
from tests.bench.runners import Unexpected, run_concurrent, run_sequential
from tests.bench.stats import Result

PASSWORD = "BenchPassword123!"
CONCURRENCY = 16
# The budgets the list rows read: a FREE organization's whole allowance.
BUDGETS = 5
TIMEOUT_S = 10.0
# Local targets only: an HTTP proxy from the environment must not intercept them.
GRPC_OPTIONS = [("grpc.enable_http_proxy", 0)]
SERVING = health_pb2.HealthCheckResponse.SERVING


@dataclass(frozen=True)
class Target:
    """Where the stack listens and the signed-up account the authenticated rows use."""

    grpc: str
    rest: str
    email: str
    token: str

    @property
    def bearer(self) -> str:
        """The Authorization header value."""
        return f"Bearer {self.token}"


@dataclass(frozen=True)
class Plan:
    """How many timed requests, untimed warm-up requests and seconds at most."""

    n: int
    warmup: int
    max_s: float


BASELINE = Plan(n=2000, warmup=500, max_s=20)
LIGHT = Plan(n=1000, warmup=100, max_s=15)
HASHING = Plan(n=50, warmup=3, max_s=20)
CONCURRENT_BASELINE = Plan(n=4000, warmup=16 * CONCURRENCY, max_s=20)
CONCURRENT = Plan(n=2000, warmup=16 * CONCURRENCY, max_s=20)


def _expect_status(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise Unexpected(f"HTTP {response.status_code}: {response.text[:120]}")


def sign_up(*, rest_url: str, grpc_target: str) -> Target:
    """One new user through REST; its access token authenticates the `me` rows."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": email, "password": PASSWORD, "firstName": "Bench", "lastName": "Mark"}
    with httpx.Client(base_url=rest_url, trust_env=False, timeout=TIMEOUT_S) as http:
        response = http.post("/api/v1/auth/sign-up", json=body)
        _expect_status(response, 201)
        token = response.json()["data"]["session"]["token"]
        for i in range(BUDGETS):
            budget = {"name": f"Budget {i}", "amount": 600, "period": "MONTHLY"}
            created = http.post(
                "/api/v1/budgets", json=budget, headers={"Authorization": f"Bearer {token}"}
            )
            _expect_status(created, 201)
    return Target(grpc=grpc_target, rest=rest_url, email=email, token=token)


def sequential(target: Target, meter: CpuMeter) -> list[Result]:
    """The one-request-at-a-time rows; the first is the baseline, the last repeats it."""
    with (
        grpc.insecure_channel(target.grpc, options=GRPC_OPTIONS) as channel,
        httpx.Client(base_url=target.rest, trust_env=False, timeout=TIMEOUT_S) as http,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        system = system_service_pb2_grpc.SystemServiceStub(channel)
        auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        auth_md = [("authorization", target.bearer)]
        headers = {"Authorization": target.bearer}
        credentials = {"email": target.email, "password": PASSWORD}

        def health_check() -> None:
            reply = health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
            if reply.status != SERVING:
                raise Unexpected(f"health status {reply.status}")

        def get_health() -> None:
            system.GetHealth(system_service_pb2.GetHealthRequest(), timeout=TIMEOUT_S)

        def rest_health() -> None:
            _expect_status(http.get("/health"), 200)

        def get_current_user() -> None:
            request = auth_service_pb2.GetCurrentUserRequest()
            auth.GetCurrentUser(request, metadata=auth_md, timeout=TIMEOUT_S)

        def rest_me() -> None:
            _expect_status(http.get("/api/v1/auth/me", headers=headers), 200)

        budgets = budget_service_pb2_grpc.BudgetServiceStub(channel)

        def list_budgets() -> None:
            request = budget_service_pb2.ListBudgetsRequest()
            reply = budgets.ListBudgets(request, metadata=auth_md, timeout=TIMEOUT_S)
            if len(reply.data) != BUDGETS:
                raise Unexpected(f"{len(reply.data)} budgets")

        def rest_budgets() -> None:
            _expect_status(http.get("/api/v1/budgets", headers=headers), 200)

        def rest_sign_in() -> None:
            response = http.post("/api/v1/auth/sign-in", json=credentials)
            http.cookies.clear()  # the session cookie it sets must not ride on later requests
            _expect_status(response, 200)

        rows: list[tuple[str, Callable[[], None], Plan]] = [
            ("gRPC Health/Check (baseline)", health_check, BASELINE),
            ("gRPC SystemService/GetHealth", get_health, LIGHT),
            ("REST GET /health", rest_health, LIGHT),
            ("gRPC AuthService/GetCurrentUser", get_current_user, LIGHT),
            ("REST GET /api/v1/auth/me", rest_me, LIGHT),
            (f"gRPC BudgetService/ListBudgets ({BUDGETS} budgets)", list_budgets, LIGHT),
            (f"REST GET /api/v1/budgets ({BUDGETS} budgets)", rest_budgets, LIGHT),
            ("REST POST /api/v1/auth/sign-in", rest_sign_in, HASHING),
            ("gRPC Health/Check (baseline again)", health_check, BASELINE),
        ]
        return [
            run_sequential(name, call, n=p.n, warmup=p.warmup, max_s=p.max_s, meter=meter)
            for name, call, p in rows
        ]


async def concurrent(target: Target, meter: CpuMeter) -> list[Result]:
    """The rows with CONCURRENCY clients at once; the first is their baseline."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with (
        grpc.aio.insecure_channel(target.grpc, options=GRPC_OPTIONS) as channel,
        httpx.AsyncClient(
            base_url=target.rest, trust_env=False, timeout=TIMEOUT_S, limits=limits
        ) as http,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        auth_md = [("authorization", target.bearer)]
        headers = {"Authorization": target.bearer}

        async def health_check() -> None:
            reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
            if reply.status != SERVING:
                raise Unexpected(f"health status {reply.status}")

        async def get_current_user() -> None:
            request = auth_service_pb2.GetCurrentUserRequest()
            await auth.GetCurrentUser(request, metadata=auth_md, timeout=TIMEOUT_S)

        async def rest_me() -> None:
            _expect_status(await http.get("/api/v1/auth/me", headers=headers), 200)

        async def rest_budgets() -> None:
            _expect_status(await http.get("/api/v1/budgets", headers=headers), 200)

        rows: list[tuple[str, Callable[[], Awaitable[None]], Plan]] = [
            (f"gRPC Health/Check ×{CONCURRENCY} (baseline)", health_check, CONCURRENT_BASELINE),
            (f"gRPC AuthService/GetCurrentUser ×{CONCURRENCY}", get_current_user, CONCURRENT),
            (f"REST GET /api/v1/auth/me ×{CONCURRENCY}", rest_me, CONCURRENT),
            (f"REST GET /api/v1/budgets ×{CONCURRENCY}", rest_budgets, CONCURRENT),
        ]
        results = []
        for name, call, p in rows:
            result = await run_concurrent(
                name,
                call,
                n=p.n,
                concurrency=CONCURRENCY,
                warmup=p.warmup,
                max_s=p.max_s,
                meter=meter,
            )
            results.append(result)
        return results
