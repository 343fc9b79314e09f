"""Adapters against the test stack's provider sandbox (its own process, as in production the
providers are): the real plaid-python client and httpx, no mocks. The fixtures (`knobs`,
`plaid_provider`, `teller_provider`, `provider_settings`) live in tests/conftest.py; the
Zerion ones, per test, here."""

from __future__ import annotations

import uuid

import pytest

from server.providers.zerion import ZerionClient
from tests.factories.sandbox import settings_for


@pytest.fixture
def teller_token() -> str:
    """A fresh enrollment per test: sandbox state (knobs) is per token."""
    return f"test_token_{uuid.uuid4().hex}"


@pytest.fixture
def zerion_key() -> str:
    """A fresh API key per test: the Zerion sandbox keeps a key's knobs to that key."""
    return f"zk_test_{uuid.uuid4().hex}"


@pytest.fixture
def evm_address() -> str:
    """A wallet of its own per test: the sandbox's mined-now transactions are per wallet."""
    return "0x" + uuid.uuid4().hex + uuid.uuid4().hex[:8]


@pytest.fixture
async def zerion(stack, zerion_key):
    """A Zerion client on the sandbox with this test's key; its breaker opens after two
    failed calls and stays open one second, so a test can wait it out."""
    settings = settings_for(
        stack.sandbox_url,
        ZERION_API_KEY=zerion_key,
        PROVIDER_TIMEOUT_SECONDS="10",
        PROVIDER_BREAKER_THRESHOLD="2",
        PROVIDER_BREAKER_OPEN_SECONDS="1",
    )
    async with ZerionClient.from_settings(settings) as client:
        yield client


@pytest.fixture
async def apps_oauth(stack):
    """The integrations hub's OAuth client on the sandbox; its breakers stay closed through
    the fault tests' failures."""
    from server.providers.apps import OAuthClient

    client = OAuthClient(settings_for(stack.sandbox_url, PROVIDER_BREAKER_THRESHOLD="50"))
    yield client
    await client.aclose()


@pytest.fixture
async def apps_data(stack):
    from server.providers.apps import AppDataClient

    client = AppDataClient(settings_for(stack.sandbox_url, PROVIDER_BREAKER_THRESHOLD="50"))
    yield client
    await client.aclose()
