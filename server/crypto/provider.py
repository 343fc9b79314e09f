"""The portfolio provider the sync job talks to: one client per worker process, so its
circuit breaker remembers failures across jobs."""

from __future__ import annotations

from server.platform.config import Settings
from server.providers.zerion import ZerionClient

_clients: dict[tuple[str, str], ZerionClient] = {}


def portfolio_provider(settings: Settings) -> ZerionClient:
    key = (settings.zerion_api_base, settings.zerion_api_key)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = ZerionClient.from_settings(settings)
    return client
