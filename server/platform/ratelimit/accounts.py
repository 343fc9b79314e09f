"""Per-account limits of the auth flows, counted in the same store as every other limit.

The per-address AUTH class cannot stop guesses spread over many addresses, nor a flood of
reset mails to one inbox: these count per account (the normalised email) instead."""

from __future__ import annotations

import time

from server.platform.errors import RateLimited
from server.platform.ratelimit.limiter import Limiter
from server.platform.ratelimit.policy import Policy

SIGN_IN_FAILURES = "SIGN_IN_FAILURES"
RESET_MAIL = "RESET_MAIL"


class AccountLimits:
    def __init__(self, policy: Policy, limiter: Limiter):
        self._policy = policy
        self._limiter = limiter

    async def ensure_open(self, rate_class: str, email: str) -> None:
        """Raises RateLimited while the account's counter is spent (nothing is counted).

        For sign-in: at most the window's length (15 minutes by default), so an attacker can
        hold an account's sign-in shut only by spending guesses, never lock it out for long;
        password reset stays open."""
        decision = await self._limiter.peek(self._policy.account_bucket(rate_class, email))
        if decision is not None and not decision.allowed:
            raise RateLimited(
                retry_after=decision.retry_after(time.time()),
                limit_reset=decision.reset,
                message="Too many attempts for this account; try again later",
            )

    async def count(self, rate_class: str, email: str) -> bool:
        """Counts one event for the account; False once past the limit. A counter store that
        cannot be reached counts nothing and allows (as every other limit does)."""
        decision = await self._limiter.hit(self._policy.account_bucket(rate_class, email))
        return decision is None or decision.allowed
