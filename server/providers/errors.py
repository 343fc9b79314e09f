"""What a provider's failure means, in one table: to a caller, to a stored connection, to a job.

Adapters turn their SDK's exceptions into the ProviderError family (server/providers/base.py);
this module is the only place that turns those into the error table (server/errors.py). A new
provider adds its exceptions to the family, or a row here, and every caller agrees at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from server.encryption import UnreadableSecret
from server.errors import DomainError, FieldViolation, InvalidInput, ProviderFailure
from server.providers.base import (
    AccessRevoked,
    InvalidCredentials,
    LoginRequired,
    MutationDuringPagination,
    ProviderError,
    ProviderUnavailable,
)


class Kind(Enum):
    """How a failure is handled."""

    # The provider refuses the credentials it was given; retrying cannot help.
    REFUSED = "refused"
    # The provider (or the road to it) failed; the same call may work later.
    OUTAGE = "outage"


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Kind
    # What a stored connection becomes: DISCONNECTED (the user signs in again), FAILED (it
    # must be linked anew), or None (unchanged).
    connection_status: str | None = None
    # The provider holds no grant for the token any more (revoking it again is done).
    grant_gone: bool = False


# Most specific first; the first row an error is an instance of applies.
OUTCOMES: tuple[tuple[type[Exception], Outcome], ...] = (
    (LoginRequired, Outcome(Kind.REFUSED, "DISCONNECTED")),
    (AccessRevoked, Outcome(Kind.REFUSED, "FAILED", grant_gone=True)),
    # A stored token we can no longer decrypt is as good as revoked.
    (UnreadableSecret, Outcome(Kind.REFUSED, "FAILED")),
    (InvalidCredentials, Outcome(Kind.REFUSED, grant_gone=True)),
    (MutationDuringPagination, Outcome(Kind.OUTAGE)),
    (ProviderUnavailable, Outcome(Kind.OUTAGE)),
    (ProviderError, Outcome(Kind.OUTAGE)),
)

# The failures this table knows: what callers catch around a provider call.
FAILURES: tuple[type[Exception], ...] = (ProviderError, UnreadableSecret)


def outcome(error: Exception) -> Outcome:
    for kind, found in OUTCOMES:
        if isinstance(error, kind):
            return found
    raise TypeError(f"not a provider failure: {type(error).__name__}")


def refused_input(error: Exception, *, field: str) -> DomainError:
    """A failure of a call made with credentials the caller just gave (a public token, an
    enrollment): refused ones are the caller's bad input naming `field`; anything else is the
    provider's failure, 503 with Retry-After."""
    if outcome(error).kind is Kind.REFUSED:
        return InvalidInput(
            [FieldViolation(field, "was not accepted by the provider")],
            "The provider did not accept the credentials",
        )
    return ProviderFailure()


def unavailable(error: Exception) -> DomainError | None:
    """The caller's answer to an outage (503 with Retry-After); None for a refusal, which the
    caller answers in terms of its own resource (a connection now disconnected, a token that
    expired)."""
    return ProviderFailure() if outcome(error).kind is Kind.OUTAGE else None
