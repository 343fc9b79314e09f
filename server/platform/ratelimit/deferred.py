"""Charging a call whose rate-limit key the interceptor could not know (DEFERRED_CLASSES)."""

from __future__ import annotations

from server.platform.context import current_call


async def charge(qualifier: str) -> None:
    """Counts the current call under its class, keyed also by `qualifier` (PROVIDER_SYNC: the
    connection's provider); raises RateLimited past the limit. Charges at most once."""
    state = current_call()
    pending, state.rate_charge = state.rate_charge, None
    if pending is not None:
        await pending(qualifier)
