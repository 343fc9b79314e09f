"""Adapters against the test stack's provider sandbox (its own process, as in production the
providers are): the real plaid-python client and httpx, no mocks."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.config import SANDBOX_PLAID_CLIENT_ID, SANDBOX_PLAID_SECRET, Settings
from server.providers.plaid import PlaidProvider
from server.providers.teller import TellerProvider
from tests.secrets import make_settings


def settings_for(sandbox_url: str, **env: str) -> Settings:
    return make_settings(
        PLAID_API_BASE=f"{sandbox_url}/plaid", TELLER_API_BASE=f"{sandbox_url}/teller", **env
    )


@pytest.fixture(scope="session")
def provider_settings(stack) -> Settings:
    return settings_for(stack.sandbox_url, PROVIDER_TIMEOUT_SECONDS="10")


@pytest.fixture(scope="session")
def plaid_provider(provider_settings) -> PlaidProvider:
    return PlaidProvider(provider_settings)


@pytest.fixture(scope="session")
def teller_provider(provider_settings) -> TellerProvider:
    return TellerProvider(provider_settings)


class Knobs:
    """The sandbox's control endpoints (server/sandbox/plaid.py, teller.py docstrings)."""

    def __init__(self, sandbox_url: str) -> None:
        self.client = httpx.Client(base_url=sandbox_url, timeout=30)

    def plaid(self, path: str, access_token: str, **body: Any) -> dict[str, Any]:
        response = self.client.post(
            f"/plaid{path}",
            json={
                "client_id": SANDBOX_PLAID_CLIENT_ID,
                "secret": SANDBOX_PLAID_SECRET,
                "access_token": access_token,
                **body,
            },
        )
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, access_token: str, **counts: int) -> dict[str, Any]:
        return self.plaid("/sandbox/transactions/advance", access_token, **counts)

    def plaid_faults(self, access_token: str, **faults: Any) -> dict[str, Any]:
        return self.plaid("/sandbox/item/faults", access_token, **faults)

    def teller(self, access_token: str, **settings: Any) -> dict[str, Any]:
        response = self.client.post(
            "/teller/_sandbox/enrollments", json={"access_token": access_token, **settings}
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def knobs(stack):
    k = Knobs(stack.sandbox_url)
    yield k
    k.client.close()


@pytest.fixture
def teller_token() -> str:
    """A fresh enrollment per test: sandbox state (knobs) is per token."""
    return f"test_token_{uuid.uuid4().hex}"
