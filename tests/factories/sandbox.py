"""The provider sandbox's control endpoints and settings that point adapters at it."""

from __future__ import annotations

from typing import Any

import httpx

from server.platform.config import (
    SANDBOX_PLAID_CLIENT_ID,
    SANDBOX_PLAID_SECRET,
    Settings,
    oauth_app_env,
    rail_env,
)
from tests.secrets import make_settings


def settings_for(sandbox_url: str, **env: str) -> Settings:
    return make_settings(
        PLAID_API_BASE=f"{sandbox_url}/plaid",
        TELLER_API_BASE=f"{sandbox_url}/teller",
        ZERION_API_BASE=f"{sandbox_url}/zerion",
        RATES_API_BASE=f"{sandbox_url}/rates",
        **{**oauth_app_env(sandbox_url), **rail_env(sandbox_url), **env},
    )


class Knobs:
    """The sandbox's control endpoints (server/dev/sandbox/plaid.py, teller.py, zerion.py
    docstrings)."""

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

    def zerion(self, **settings: Any) -> dict[str, Any]:
        """server/dev/sandbox/zerion.py's knob: failures, latency, volume, new transactions
        (`api_key=` keeps them to calls made with that key)."""
        response = self.client.post("/zerion/_sandbox/settings", json=settings)
        assert response.status_code == 200, response.text
        return response.json()

    def apps(self, service: str, **settings: Any) -> dict[str, Any]:
        """server/dev/sandbox/oauth_apps.py's knob: token lifetime, denied authorizes,
        expire_all, faults; answers `token_calls` per grant type too."""
        response = self.client.post(
            "/apps/_sandbox/settings", json={"service": service, **settings}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def apps_data(self, service: str, account_id: str, **change: Any) -> dict[str, Any]:
        """server/dev/sandbox/apps_data.py's knob: an account's volume, new, modified and
        deleted records (`kind=` the provider's name)."""
        body = {"service": service, "account_id": account_id, **change}
        response = self.client.post("/apps/_sandbox/data", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def rails(self, rail: str, **settings: Any) -> dict[str, Any]:
        """server/dev/sandbox/rails.py's knob (`rail` "ach" or "swift"): refusals, faults
        before and after a payment is recorded, status-lookup errors, latency, settlement,
        down, reset; answers `payments` (count and idempotency key → payment id) too."""
        response = self.client.post("/rails/_sandbox/settings", json={"rail": rail, **settings})
        assert response.status_code == 200, response.text
        return response.json()
