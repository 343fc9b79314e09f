"""Subscribing to a paid plan while the payment provider is down answers 503."""

import httpx
import pytest

from server.dev.devstack.stack import Stack
from tests.conftest import VAR, shifted_ports
from tests.factories.auth import sign_up
from tests.rest.client import assert_mappr_error
from tests.rest.subscriptions.helpers import current, subscribe

# Ports of this module's own server and Envoy; its sandbox port is never opened.
NO_SANDBOX_PORTS = shifted_ports(http=28180, grpc=25180, admin=29980, smtp=21180)


@pytest.fixture(scope="module")
def rest_no_sandbox(stack):
    """A second server and Envoy on the session's database whose payment provider is down."""
    with (
        Stack(
            ports=NO_SANDBOX_PORTS,
            var_dir=VAR / "no-sandbox",
            database_url=stack.database_url,
            run_migrations=False,
            smtp=False,
            sandbox=False,
            env={"JWT_SECRET": stack.env["JWT_SECRET"]},
            app_env="test",
        ) as running,
        httpx.Client(base_url=running.rest_url, timeout=30) as client,
    ):
        yield client


def test_subscribe__provider_down_is_503_and_changes_nothing(rest_no_sandbox):
    account = sign_up(rest_no_sandbox)
    body = subscribe(rest_no_sandbox, account.token, "plan_pro", "pm_card_visa", status=503)
    assert_mappr_error(body, code="SERVICE_UNAVAILABLE", status=503)
    assert body["error"] == "Payment provider unavailable"
    assert current(rest_no_sandbox, account.token)["data"]["planId"] == "plan_free"
    # FREE needs no provider.
    subscribe(rest_no_sandbox, account.token, "plan_free")
