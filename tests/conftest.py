"""One real stack per test session: PostgreSQL, migrations, SMTP sink, gRPC server, Envoy.

The ports differ from `make run`'s so both can run at once. PostgreSQL is DATABASE_URL when set,
else an embedded one under var/test/pg. The server runs out of process, so every test makes its
own users (tests/factories) instead of rolling back.
"""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import grpc
import httpx
import pytest

from fingate.auth.v1 import auth_service_pb2_grpc
from server.dev.devstack.stack import Ports, Stack
from server.platform.config import Settings
from server.platform.db.database import Database
from server.providers.plaid import PlaidProvider
from server.providers.teller import TellerProvider
from tests.factories.sandbox import Knobs, settings_for
from tests.secrets import ADMIN, JWT_SECRET

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "test"
# Two checkouts can run their suites at once when one sets FINGATE_TEST_PORT_OFFSET.
_OFFSET = int(os.environ.get("FINGATE_TEST_PORT_OFFSET", "0"))
# Server processes of the session stack: 1, and 2 in `make test`'s second pass (the tenancy and
# cache tests again, Envoy alternating between the processes; see the Makefile).
SERVER_PROCESSES = int(os.environ.get("FINGATE_TEST_SERVER_PROCESSES", "1"))


def shifted_ports(http: int, grpc: int, admin: int, smtp: int) -> Ports:
    """Ports of one test stack, shifted by FINGATE_TEST_PORT_OFFSET."""
    return Ports(
        http=http + _OFFSET,
        grpc=grpc + _OFFSET,
        admin=admin + _OFFSET,
        smtp=smtp + _OFFSET,
        # The provider sandbox sits 10 above the REST port: 28090, 28091, … per stack.
        sandbox=http + 10 + _OFFSET,
        # The metrics endpoint sits at 29464 + (REST port - 28080): 29464, 29465, … per stack.
        metrics=http + 1384 + _OFFSET,
        # A stack of several server processes: its own Redis at 26480, 26481, … and the
        # processes' own ports from 24080 + 10 × (REST port - 28080) on.
        redis=http - 1600 + _OFFSET,
        process_grpc=24080 + 10 * (http - 28080) + _OFFSET,
    )


TEST_PORTS = shifted_ports(http=28080, grpc=25051, admin=29901, smtp=21025)
DOWN_PORTS = shifted_ports(http=28081, grpc=25052, admin=29902, smtp=21026)
NO_UPSTREAM_PORTS = shifted_ports(http=28082, grpc=25053, admin=29903, smtp=21027)
# Rate-limit stacks (tests/*/test_rate_limit*.py): tiny limits, sharing the session's database
# and so its SMTP sink (every server sweeps the one outbox).
RATE_PORTS = shifted_ports(http=28100, grpc=25100, admin=29100, smtp=21025)
RATE_REDIS_PORTS = shifted_ports(http=28101, grpc=25101, admin=29101, smtp=21025)
RATE_REDIS_PEER_PORTS = shifted_ports(http=28102, grpc=25102, admin=29102, smtp=21025)
RATE_REDIS_DOWN_PORTS = shifted_ports(http=28103, grpc=25103, admin=29103, smtp=21025)
REDIS_PORT = 26390 + _OFFSET


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `last` run after all others (they read what the whole suite left)."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


@pytest.fixture(scope="session")
def ports() -> Ports:
    return TEST_PORTS


@pytest.fixture(scope="session")
def stack():
    shutil.rmtree(VAR / "mail", ignore_errors=True)
    (VAR / "oauth-values.txt").unlink(missing_ok=True)
    env = {
        "JWT_SECRET": JWT_SECRET,
        "ADMIN_EMAIL": ADMIN["email"],
        "ADMIN_PASSWORD": ADMIN["password"],
        "LOG_LEVEL": "INFO",
        # Every test signs in from 127.0.0.1, and users are made per test: no limit in reach.
        # The rate-limit tests run their own stacks (rate_stack and friends below).
        "RATE_LIMIT_TRUSTED_CIDRS": "127.0.0.0/8",
        **{f"RATE_LIMIT_{name}": "100000/minute" for name in ("SYNC", "LIVE", "ADMIN")},
        "RATE_LIMIT_GENERAL": "FREE=100000/minute,PRO=100000/minute,ULTIMATE=100000/minute",
        "RATE_LIMIT_WRITE": "FREE=100000/minute,PRO=100000/minute,ULTIMATE=100000/minute",
        **{f"RATE_LIMIT_{name}": "100000/minute" for name in ("API_READ", "PROVIDER_SYNC")},
        **{f"RATE_LIMIT_APP_{name}": "100000/minute" for name in ("CONNECT", "SYNC", "OAUTH")},
        # A rail that stalls after taking a payment is timed out within a test's patience.
        "RAIL_TIMEOUT_SECONDS": "3",
        "GATEWAY_DEGRADED_MS": "1000",
        "REDIS_URL": "",
        # The crypto circuit-breaker test (tests/rest/crypto/test_sync.py) opens it in two
        # failed syncs and waits out three seconds, not the production minute.
        "PROVIDER_BREAKER_THRESHOLD": "2",
        "PROVIDER_BREAKER_OPEN_SECONDS": "3",
        # The progress stream's heartbeat test waits one out; the others skip heartbeats.
        "STREAM_HEARTBEAT_SECONDS": "1",
    }
    with Stack(
        ports=TEST_PORTS,
        var_dir=VAR,
        env=env,
        app_env="test",
        server_processes=SERVER_PROCESSES,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def jwt_secret(stack) -> str:
    return JWT_SECRET


@pytest.fixture(scope="session")
def admin_credentials(stack) -> dict[str, str]:
    return dict(ADMIN)


@pytest.fixture(scope="session")
def mail_dir(stack) -> Path:
    return stack.mail_dir


# Every successful JSON answer the session's REST client saw: (method, path, body). The contract
# test that runs last (tests/contract/test_documented_keys.py) holds them against the seeds'
# documented examples, so every route test also checks the documented keys.
RECORDED: list[tuple[str, str, object]] = []


def _record(response: httpx.Response) -> None:
    if 200 <= response.status_code < 300 and response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        response.read()
        try:
            RECORDED.append((response.request.method, response.request.url.path, response.json()))
        except ValueError:
            pass


@pytest.fixture(scope="session")
def rest(stack):
    with httpx.Client(
        base_url=stack.rest_url, timeout=30, event_hooks={"response": [_record]}
    ) as client:
        yield client


@pytest.fixture(scope="session")
def rest_h2(stack):
    # h2c with prior knowledge needs the `h2` package; httpx speaks it when asked.
    with httpx.Client(base_url=stack.rest_url, timeout=30, http1=False, http2=True) as client:
        yield client


@pytest.fixture(scope="session")
def channel(stack):
    with grpc.insecure_channel(stack.grpc_target) as ch:
        yield ch


@pytest.fixture(scope="session")
def auth_stub(channel):
    return auth_service_pb2_grpc.AuthServiceStub(channel)


@pytest.fixture(scope="session")
def envoy_auth_stub(stack):
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.http}") as ch:
        yield auth_service_pb2_grpc.AuthServiceStub(ch)


@pytest.fixture(scope="session")
async def db(stack):
    database = Database(stack.database_url, pool_size=4)
    yield database
    await database.dispose()


@contextmanager
def _broken_stack(ports: Ports, name: str, *, server: bool):
    """A partial stack whose PostgreSQL is a closed port; yields a REST client to its Envoy."""
    with (
        Stack(
            ports=ports,
            var_dir=VAR / name,
            database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none",
            run_migrations=False,
            smtp=False,
            sandbox=False,
            worker=False,
            server=server,
            env={"JWT_SECRET": JWT_SECRET},
            app_env="test",
        ) as broken,
        httpx.Client(base_url=broken.rest_url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def rest_db_down(stack):
    """A second server and Envoy whose database is down."""
    with _broken_stack(DOWN_PORTS, "db-down", server=True) as client:
        yield client


@pytest.fixture(scope="session")
def rest_upstream_down(stack):
    """An Envoy whose gRPC server is not running."""
    with _broken_stack(NO_UPSTREAM_PORTS, "no-upstream", server=False) as client:
        yield client


# Tiny limits for the rate-limit tests; per hour, so no window can end during a test.
RATE_ENV = {
    "JWT_SECRET": JWT_SECRET,
    "RATE_LIMIT_GENERAL": "FREE=3/hour,PRO=5/hour,ULTIMATE=7/hour",
    "RATE_LIMIT_WRITE": "FREE=2/hour,PRO=4/hour,ULTIMATE=6/hour",
    "RATE_LIMIT_AUTH": "3/hour",
    # Per account: 3 wrong passwords, then 429 (tests/rest/test_account_limits.py).
    "RATE_LIMIT_SIGN_IN_FAILURES": "3/hour",
    # Token buckets: 3 reads and 2 syncs, one token back per 20 and per 60 minutes.
    "RATE_LIMIT_API_READ": "3:3/hour",
    "RATE_LIMIT_PROVIDER_SYNC": "2:1/hour",
    # Cached reads outlive every test here, so a test can tell a cached answer from a fresh one.
    "CACHE_TTL_SECONDS": "3600",
    # 127.0.0.128-255 are trusted; tests pick client addresses on either side.
    "RATE_LIMIT_TRUSTED_CIDRS": "127.0.0.128/25",
}


@contextmanager
def rate_limited_stack(
    ports: Ports,
    name: str,
    database_url: str,
    *,
    envoy: bool,
    server_processes: int = SERVER_PROCESSES,
    **env: str,
):
    """A server (and Envoy) with RATE_ENV on the session stack's database; users and tokens
    made through the session stack work here too (same database, same JWT secret). Several
    server processes share a Redis: the stack's own when `env` names none."""
    with Stack(
        ports=ports,
        var_dir=VAR / name,
        database_url=database_url,
        run_migrations=False,
        smtp=False,
        sandbox=False,
        worker=False,
        envoy=envoy,
        env={**RATE_ENV, "REDIS_URL": "", **env},
        app_env="test",
        server_processes=server_processes,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def rate_stack(stack):
    """Memory counters, tiny limits, with Envoy."""
    with rate_limited_stack(RATE_PORTS, "rate", stack.database_url, envoy=True) as running:
        yield running


@pytest.fixture(scope="session")
def redis_for_tests(stack):
    """A Redis URL and a key prefix of this run's own."""
    from tests.redis_server import redis_url

    with redis_url(REDIS_PORT, VAR / "redis") as url:
        yield url, f"fingate-test-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def rate_redis_stacks(stack, redis_for_tests):
    """Two server processes counting in the same Redis: one behind Envoy, one gRPC only."""
    url, prefix = redis_for_tests
    env = {"REDIS_URL": url, "RATE_LIMIT_KEY_PREFIX": prefix}
    with (
        rate_limited_stack(
            RATE_REDIS_PORTS, "rate-redis", stack.database_url, envoy=True, **env
        ) as first,
        rate_limited_stack(
            RATE_REDIS_PEER_PORTS, "rate-redis-peer", stack.database_url, envoy=False, **env
        ) as second,
    ):
        yield first, second


@pytest.fixture(scope="session")
def rate_redis_down_stack(stack):
    """A server whose REDIS_URL is a closed port."""
    env = {"REDIS_URL": "redis://127.0.0.1:1/0"}
    with rate_limited_stack(
        RATE_REDIS_DOWN_PORTS, "rate-redis-down", stack.database_url, envoy=False, **env
    ) as running:
        yield running


@pytest.fixture(scope="session")
def provider_settings(stack) -> Settings:
    """Settings whose adapters reach the session stack's provider sandbox."""
    return settings_for(stack.sandbox_url, PROVIDER_TIMEOUT_SECONDS="10")


@pytest.fixture(scope="session")
def plaid_provider(provider_settings) -> PlaidProvider:
    return PlaidProvider(provider_settings)


@pytest.fixture(scope="session")
def teller_provider(provider_settings) -> TellerProvider:
    return TellerProvider(provider_settings)


@pytest.fixture(scope="session")
def knobs(stack):
    """The sandbox's failure, volume and time knobs (tests/factories/sandbox.py)."""
    k = Knobs(stack.sandbox_url)
    yield k
    k.client.close()
