"""Retries and a circuit breaker per service for every integrations-hub provider call
(server/providers/resilience.py): an open breaker or a transient failure that outlasted the
retries is AppUnavailable; refusals (GrantRefused, TokenRejected, other AppProviderErrors) do
not count against the breaker.
"""

from __future__ import annotations

from server.platform.config import Settings
from server.providers import resilience
from server.providers.apps.types import AppProviderError, AppUnavailable
from server.providers.resilience import ATTEMPTS, Transient, check_transient

__all__ = ["ATTEMPTS", "Resilience", "Transient", "check_transient"]


def _unavailable(message: str, retry_after: int) -> Exception:
    return AppUnavailable(message, retry_after=retry_after)


class Resilience(resilience.Resilience):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, unavailable=_unavailable, exclude=[AppProviderError])
