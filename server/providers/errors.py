"""What a provider's failure means, in one table: to a caller, to a stored connection, to a job.

Adapters turn their client library's exceptions into the ProviderError family
(server/providers/base.py, server/providers/payment_errors.py); this module is the only place that
turns that family into the error table (server/platform/errors.py). Each row names an exception and
its Kind; the Kind says what a stored connection becomes and whether the grant is gone, the row what
a refused caller or an outage is told:

    exception                  kind              connection    caller is told
    LoginRequired              LOGIN_REQUIRED    DISCONNECTED  refused
    AccessRevoked              REVOKED           FAILED        refused (grant gone)
    UnreadableSecret           TOKEN_UNREADABLE  FAILED        refused
    InvalidCredentials         INVALID_INPUT     unchanged     refused (grant gone)
    AddressRejected            INVALID_INPUT     -             400 "Invalid wallet address"
    PaymentMethodDeclined      INVALID_INPUT     -             400 "Payment method was declined"
    PaymentMethodRejected      INVALID_INPUT     -             400 "Payment method not found"
    UnsupportedProvider        UNSUPPORTED       -             400 naming the field
    GrantRefused               INVALID_INPUT     (app: error)  400 "The provider refused the grant"
    TokenRejected              REVOKED           (app: refresh) refused
    AppUnavailable,
    AppProviderError           OUTAGE            -             503 SERVICE_UNAVAILABLE, Retry-After
    RailAuthFailed             INVALID_INPUT     -             400 "The banking integration refused
                                                               the credentials"
    UnknownAccount             INVALID_INPUT     -             400 "Account not found at the
                                                               banking integration"
    NotExecuted                INVALID_INPUT     -             400 "The payment was not executed"
    Ambiguous                  OUTAGE            -             503 SERVICE_UNAVAILABLE (outcome
                                                               unknown: being confirmed)
    RailUnavailable,
    RailError                  OUTAGE            -             503 SERVICE_UNAVAILABLE, Retry-After
    PaymentsUnavailable        OUTAGE            -             503 SERVICE_UNAVAILABLE
    CircuitOpen                OUTAGE            -             503 PROVIDER_ERROR, details
                                                               {provider, retryAfter}: the
                                                               breaker's time left
    PortfolioUnavailable       OUTAGE            -             503 PROVIDER_ERROR, details
                                                               {provider, retryAfter}
    MutationDuringPagination,
    ProviderUnavailable,
    ProviderError              OUTAGE            unchanged     503 PROVIDER_ERROR

"Refused" is the caller's bad input naming the field the credentials came in, unless the
caller says what a refusal of credentials it did not give means (a reconnect's "expired").

A provider to come (a crypto portfolio API, OAuth apps, another payment rail) subclasses the
family and adds its rows here; tests/unit/providers/test_errors.py fails for a subclass without
a row of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from server.platform.encryption import UnreadableSecret
from server.platform.errors import (
    DomainError,
    FieldViolation,
    InvalidInput,
    ProviderFailure,
    ServiceUnavailable,
)
from server.platform.metrics.prometheus import PROVIDER_ERRORS, provider_label
from server.providers.apps.types import (
    AppProviderError,
    AppUnavailable,
    GrantRefused,
    TokenRejected,
)
from server.providers.base import (
    AccessRevoked,
    InvalidCredentials,
    LoginRequired,
    MutationDuringPagination,
    ProviderError,
    ProviderUnavailable,
)
from server.providers.payment_errors import (
    UNAVAILABLE_MESSAGE,
    PaymentMethodDeclined,
    PaymentMethodRejected,
    PaymentsUnavailable,
)
from server.providers.rails.types import (
    Ambiguous,
    NotExecuted,
    RailAuthFailed,
    RailError,
    RailUnavailable,
    UnknownAccount,
)
from server.providers.registry import UnsupportedProvider
from server.providers.zerion import AddressRejected, CircuitOpen, PortfolioUnavailable


class Kind(Enum):
    """What a failure means, whoever meets it."""

    LOGIN_REQUIRED = "login_required"  # the user must sign in at the institution again
    REVOKED = "revoked"  # the provider holds no grant for the token any more
    TOKEN_UNREADABLE = "token_unreadable"  # no configured key opens the stored token
    INVALID_INPUT = "invalid_input"  # the provider refuses what it was given (token, card)
    UNSUPPORTED = "unsupported"  # no adapter for the provider (MX: coming soon)
    OUTAGE = "outage"  # the provider, or the road to it, failed; the same call may work later

    @property
    def refused(self) -> bool:
        """The credentials were refused: no retry can help, the caller must act."""
        return self in _REFUSED

    @property
    def connection_status(self) -> str | None:
        """What a stored connection becomes: DISCONNECTED (the user signs in again), FAILED
        (it must be linked anew), or None (unchanged; an outage is counted, not a status)."""
        return _CONNECTION_STATUS.get(self)

    @property
    def grant_gone(self) -> bool:
        """The provider holds no grant for the token: revoking it again is done."""
        return self in (Kind.REVOKED, Kind.INVALID_INPUT)


_REFUSED = frozenset({Kind.LOGIN_REQUIRED, Kind.REVOKED, Kind.TOKEN_UNREADABLE, Kind.INVALID_INPUT})
_CONNECTION_STATUS = {
    Kind.LOGIN_REQUIRED: "DISCONNECTED",
    Kind.REVOKED: "FAILED",
    # A stored token we can no longer decrypt is as good as revoked.
    Kind.TOKEN_UNREADABLE: "FAILED",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """What a caller whose credentials were refused is told: a violation of the field they
    came in (None: the error's own text) and the error's message."""

    violation: str | None
    message: str

    def answer(self, error: Exception, field: str) -> InvalidInput:
        violation = self.violation if self.violation is not None else str(error)
        return InvalidInput([FieldViolation(field, violation)], self.message)


CREDENTIALS_REFUSED = Refusal(
    "was not accepted by the provider", "The provider did not accept the credentials"
)


def _aggregator_outage(error: Exception) -> ServiceUnavailable:
    return ProviderFailure()


def _portfolio_outage(error: Exception) -> ServiceUnavailable:
    """The portfolio provider's outage, with how long to wait: the open breaker's time left
    (CircuitOpen), else a few seconds."""
    seconds = int(getattr(error, "retry_after", ServiceUnavailable.retry_after))
    return ProviderFailure(
        PORTFOLIO_UNAVAILABLE,
        details={"provider": "zerion", "retryAfter": seconds},
        retry_after=seconds,
    )


PORTFOLIO_UNAVAILABLE = "External service temporarily unavailable"


def _app_outage(error: Exception) -> ServiceUnavailable:
    """An integrations-hub provider's outage: 503 with its wait (the breaker's time left)."""
    seconds = int(getattr(error, "retry_after", ServiceUnavailable.retry_after))
    return ServiceUnavailable("The integration provider is unavailable", retry_after=seconds)


def _rail_outage(error: Exception) -> ServiceUnavailable:
    """A payment rail's outage: 503 with its wait (the breaker's time left, else a few s)."""
    seconds = int(getattr(error, "retry_after", ServiceUnavailable.retry_after))
    return ServiceUnavailable("The banking integration is unavailable", retry_after=seconds)


@dataclass(frozen=True, slots=True)
class Row:
    error: type[Exception]
    kind: Kind
    refusal: Refusal = CREDENTIALS_REFUSED
    # The answer to an outage, given the error: 503 with Retry-After (ServiceUnavailable's).
    outage: Callable[[Exception], ServiceUnavailable] = _aggregator_outage


# Most specific first; the first row an error is an instance of applies.
ROWS: tuple[Row, ...] = (
    Row(LoginRequired, Kind.LOGIN_REQUIRED),
    Row(AccessRevoked, Kind.REVOKED),
    Row(UnreadableSecret, Kind.TOKEN_UNREADABLE),
    Row(InvalidCredentials, Kind.INVALID_INPUT),
    # The provider could not read the wallet address (a 4xx): the caller's bad input.
    Row(AddressRejected, Kind.INVALID_INPUT, refusal=Refusal(None, "Invalid wallet address")),
    Row(
        PaymentMethodDeclined,
        Kind.INVALID_INPUT,
        # 400, not 402: seed 004's status table has no 402, and the caller fixes it the way it
        # fixes any bad field, by sending another payment method.
        refusal=Refusal(None, "Payment method was declined"),
    ),
    Row(
        PaymentMethodRejected, Kind.INVALID_INPUT, refusal=Refusal(None, "Payment method not found")
    ),
    Row(UnsupportedProvider, Kind.UNSUPPORTED),
    # An app's token endpoint refused a code or refresh token: connect again.
    Row(GrantRefused, Kind.INVALID_INPUT, refusal=Refusal(None, "The provider refused the grant")),
    # An app's data API refused the access token: refresh it, else connect again.
    Row(TokenRejected, Kind.REVOKED),
    Row(AppUnavailable, Kind.OUTAGE, outage=_app_outage),
    Row(AppProviderError, Kind.OUTAGE, outage=_app_outage),
    # The Flowlet gateway's rails (server/providers/rails): refused credentials, an account the
    # rail does not know and a payment that certainly did not execute are the request's
    # failure; a payment whose outcome is not known yet and an outage are 503.
    Row(
        RailAuthFailed,
        Kind.INVALID_INPUT,
        refusal=Refusal(None, "The banking integration refused the credentials"),
    ),
    Row(
        UnknownAccount,
        Kind.INVALID_INPUT,
        refusal=Refusal(None, "Account not found at the banking integration"),
    ),
    Row(NotExecuted, Kind.INVALID_INPUT, refusal=Refusal(None, "The payment was not executed")),
    Row(
        Ambiguous,
        Kind.OUTAGE,
        outage=lambda _: ServiceUnavailable("The payment's outcome is being confirmed"),
    ),
    Row(RailUnavailable, Kind.OUTAGE, outage=_rail_outage),
    Row(RailError, Kind.OUTAGE, outage=_rail_outage),
    # The payment provider's outage is the service's (SERVICE_UNAVAILABLE): PROVIDER_ERROR
    # names a bank aggregator.
    Row(PaymentsUnavailable, Kind.OUTAGE, outage=lambda _: ServiceUnavailable(UNAVAILABLE_MESSAGE)),
    Row(CircuitOpen, Kind.OUTAGE, outage=_portfolio_outage),
    Row(PortfolioUnavailable, Kind.OUTAGE, outage=_portfolio_outage),
    Row(MutationDuringPagination, Kind.OUTAGE),
    Row(ProviderUnavailable, Kind.OUTAGE),
    Row(ProviderError, Kind.OUTAGE),
)

# What callers catch around a provider call: every failure the table knows.
FAILURES: tuple[type[Exception], ...] = (ProviderError, UnreadableSecret, UnsupportedProvider)


def row_for(error: Exception) -> Row:
    for row in ROWS:
        if isinstance(error, row.error):
            _count(error, row.kind)
            return row
    raise TypeError(f"not a provider failure: {type(error).__name__}")


# Modules of the provider layer that name no provider (the packages `apps` and `rails` name
# theirs: a failure raised inside one is counted under the package).
_SHARED_MODULES = frozenset({"base", "errors", "resilience", "payment_errors", "registry"})


def provider_of(error: BaseException) -> str:
    """The provider a failure came from, as a metric label: the `provider` the shared
    resilience stamped on it (the service's name), else the innermost adapter its traceback
    passes through (server/providers/plaid.py → plaid, server/payments/… → payments), else
    `other`."""
    stamped = getattr(error, "provider", None)
    if isinstance(stamped, str):
        return provider_label(stamped)
    found = "other"
    tb = error.__traceback__
    while tb is not None:
        parts = str(tb.tb_frame.f_globals.get("__name__", "")).split(".")
        if parts[:2] == ["server", "providers"] and len(parts) > 2:
            if parts[2] not in _SHARED_MODULES:
                found = parts[2]
        elif parts[:2] == ["server", "payments"]:
            found = "payments"
        tb = tb.tb_next
    return provider_label(found)


def _count(error: Exception, kind: Kind) -> None:
    """Counts a failure once, however many times it is classified (a caller may classify
    it, then translate it)."""
    if getattr(error, "_fingate_counted", False):
        return
    with contextlib.suppress(AttributeError):
        error._fingate_counted = True  # type: ignore[attr-defined]
    PROVIDER_ERRORS.labels(provider_of(error), kind.value).inc()


def classify(error: Exception) -> Kind:
    """The classification of a failure: for callers that record it rather than answer it
    (the sync engine, revocation, an account sync's connection status)."""
    return row_for(error).kind


def translate(error: Exception, *, field: str, refused: DomainError | None = None) -> DomainError:
    """What a caller is told when a provider call made for it failed.

    `field` is the request field a refusal or an unsupported provider names (the one the
    credentials came in). `refused` is the answer to refused credentials the caller did not
    give itself (a stored token): the caller's bad input is then the wrong answer. Outages are
    503 with Retry-After, as the error's row says.
    """
    row = row_for(error)
    if row.kind is Kind.OUTAGE:
        return row.outage(error)
    if row.kind is Kind.UNSUPPORTED:
        return InvalidInput([FieldViolation(field, str(error))], str(error))
    if refused is not None:
        return refused
    return row.refusal.answer(error, field)
