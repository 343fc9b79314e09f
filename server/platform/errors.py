"""Domain errors: raised once by domain code, mapped once by interceptors/errors.py.

    DomainError
    ├── InvalidInput              400 INVALID_INPUT          (field violations)
    │   └── InvalidNetwork        400 INVALID_NETWORK        (an unsupported blockchain)
    ├── InvalidToken              400 INVALID_TOKEN          (email or reset link)
    ├── ConnectionAlreadyExists   400 CONNECTION_ALREADY_EXISTS (seed 000 reconnect refusals)
    ├── ConnectionNotActive       400 CONNECTION_NOT_ACTIVE  (disconnect, account sync)
    ├── PaymentFailed             400 PAYMENT_FAILED         (every rail refused; details.attempts)
    ├── Unauthenticated           401 UNAUTHORIZED
    │   └── InvalidCredentials    401 INVALID_CREDENTIALS
    ├── Forbidden                 403 FORBIDDEN
    ├── PlanLimitExceeded         403 PLAN_LIMIT_EXCEEDED    (details current, limit, plan)
    ├── NotFound                  404 RESOURCE_NOT_FOUND
    │   └── ConnectionNotFound    404 CONNECTION_NOT_FOUND   (seed 000)
    ├── Conflict                  409 CONFLICT
    │   ├── EmailAlreadyRegistered 409 EMAIL_ALREADY_REGISTERED
    │   ├── SyncInProgress        409 SYNC_IN_PROGRESS
    │   └── WalletAlreadyAdded    409 WALLET_ALREADY_ADDED
    ├── RateLimited               429 RATE_LIMIT_EXCEEDED    (RetryInfo)
    └── ServiceUnavailable        503 SERVICE_UNAVAILABLE
        └── ProviderFailure       503 PROVIDER_ERROR         (a bank aggregator failed)

Foreign errors that mean "a dependency is down" (a refused or dropped database connection) are
translated by `translate_foreign()` into ServiceUnavailable; anything else that escapes a
servicer is answered as 500 INTERNAL_ERROR without its text.
ERROR_TABLE is the one place that says which gRPC code, HTTP status and documented code each
error has; tests/contract checks that every class has a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from sqlalchemy.exc import DBAPIError

from server.platform.db.database import is_transient_abort


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One invalid request field, named as in JSON."""

    field: str
    message: str


class DomainError(Exception):
    """A failure the caller can act on; message is safe to show."""

    message = "Request failed"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details: dict[str, Any] = details or {}


class InvalidInput(DomainError):
    """The request body or query failed validation."""

    message = "Invalid request body"

    def __init__(self, violations: list[FieldViolation], message: str | None = None):
        super().__init__(message)
        self.violations = violations
        self.details = {"errors": [{"field": v.field, "message": v.message} for v in violations]}


class InvalidNetwork(InvalidInput):
    """A blockchain network fingate does not support."""

    message = "Unsupported network"


class InvalidToken(DomainError):
    """An email-verification or password-reset token is unknown, used or expired."""

    message = "Invalid or expired token"


class ConnectionAlreadyExists(DomainError):
    """Seed 000: a reconnect that cannot proceed (not disconnected, expired provider
    credentials, another active connection for the same provider item)."""

    message = "Connection already exists"


class ConnectionNotActive(DomainError):
    """A change that needs an ACTIVE connection (disconnect, an account sync) on one that is
    DISCONNECTED or FAILED."""

    message = "Connection is not active"


class PaymentFailed(DomainError):
    """No integration took a payment: each attempt certainly did not execute."""

    message = "The payment could not be made through any integration"


class Unauthenticated(DomainError):
    """No access token, or one that is invalid, expired or belongs to an ended session."""

    message = "Authentication required"


class InvalidCredentials(Unauthenticated):
    """Email and password do not match a user (the same answer for an unknown email)."""

    message = "Invalid email or password"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    message = "You do not have permission to perform this action"


class PlanLimitExceeded(DomainError):
    """The caller's plan does not allow one more of a counted resource (or a smaller plan)."""

    message = "Plan limit exceeded for your plan"


class NotFound(DomainError):
    """The resource does not exist or is not visible to the caller."""

    message = "Resource not found"


class ConnectionNotFound(NotFound):
    """Seed 000: no provider connection with this id in the caller's organization."""

    message = "Provider connection not found"


class Conflict(DomainError):
    """The request conflicts with existing state."""

    message = "Resource already exists"


class EmailAlreadyRegistered(Conflict):
    """Sign-up with an email that already has an account."""

    message = "Email already registered"


class SyncInProgress(Conflict):
    """A sync of the same connection is queued or running."""

    message = "A sync is already in progress"


class WalletAlreadyAdded(Conflict):
    """The organization already tracks this address on this network."""

    message = "Wallet already exists for this user"


class RateLimited(DomainError):
    """Too many requests; retry_after seconds until the window frees."""

    message = "Too many requests"

    def __init__(self, *, retry_after: int, limit_reset: int, message: str | None = None):
        super().__init__(message, details={"retryAfter": retry_after, "limitReset": limit_reset})
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A dependency (database, provider) cannot be reached. Answers carry `Retry-After`:
    `retry_after` seconds (a few by default: a restarting database or server is back by then)."""

    message = "Service unavailable"
    retry_after = 5

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message, details=details)
        if retry_after is not None:
            self.retry_after = retry_after


class ProviderFailure(ServiceUnavailable):
    """A bank aggregator failed or could not be reached."""

    message = "The banking provider is unavailable"


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """How an error leaves the server: gRPC code, HTTP status, documented code."""

    grpc_code: grpc.StatusCode
    http_status: int
    reason: str


ERROR_TABLE: dict[type[DomainError], ErrorSpec] = {
    InvalidInput: ErrorSpec(grpc.StatusCode.INVALID_ARGUMENT, 400, "INVALID_INPUT"),
    InvalidNetwork: ErrorSpec(grpc.StatusCode.INVALID_ARGUMENT, 400, "INVALID_NETWORK"),
    InvalidToken: ErrorSpec(grpc.StatusCode.INVALID_ARGUMENT, 400, "INVALID_TOKEN"),
    ConnectionAlreadyExists: ErrorSpec(
        grpc.StatusCode.FAILED_PRECONDITION, 400, "CONNECTION_ALREADY_EXISTS"
    ),
    ConnectionNotActive: ErrorSpec(
        grpc.StatusCode.FAILED_PRECONDITION, 400, "CONNECTION_NOT_ACTIVE"
    ),
    PaymentFailed: ErrorSpec(grpc.StatusCode.FAILED_PRECONDITION, 400, "PAYMENT_FAILED"),
    Unauthenticated: ErrorSpec(grpc.StatusCode.UNAUTHENTICATED, 401, "UNAUTHORIZED"),
    InvalidCredentials: ErrorSpec(grpc.StatusCode.UNAUTHENTICATED, 401, "INVALID_CREDENTIALS"),
    Forbidden: ErrorSpec(grpc.StatusCode.PERMISSION_DENIED, 403, "FORBIDDEN"),
    PlanLimitExceeded: ErrorSpec(grpc.StatusCode.PERMISSION_DENIED, 403, "PLAN_LIMIT_EXCEEDED"),
    NotFound: ErrorSpec(grpc.StatusCode.NOT_FOUND, 404, "RESOURCE_NOT_FOUND"),
    ConnectionNotFound: ErrorSpec(grpc.StatusCode.NOT_FOUND, 404, "CONNECTION_NOT_FOUND"),
    Conflict: ErrorSpec(grpc.StatusCode.ALREADY_EXISTS, 409, "CONFLICT"),
    EmailAlreadyRegistered: ErrorSpec(
        grpc.StatusCode.ALREADY_EXISTS, 409, "EMAIL_ALREADY_REGISTERED"
    ),
    SyncInProgress: ErrorSpec(grpc.StatusCode.ALREADY_EXISTS, 409, "SYNC_IN_PROGRESS"),
    WalletAlreadyAdded: ErrorSpec(grpc.StatusCode.ALREADY_EXISTS, 409, "WALLET_ALREADY_ADDED"),
    RateLimited: ErrorSpec(grpc.StatusCode.RESOURCE_EXHAUSTED, 429, "RATE_LIMIT_EXCEEDED"),
    ServiceUnavailable: ErrorSpec(grpc.StatusCode.UNAVAILABLE, 503, "SERVICE_UNAVAILABLE"),
    ProviderFailure: ErrorSpec(grpc.StatusCode.UNAVAILABLE, 503, "PROVIDER_ERROR"),
}
INTERNAL = ErrorSpec(grpc.StatusCode.INTERNAL, 500, "INTERNAL_ERROR")
INTERNAL_MESSAGE = "An unexpected error occurred"


def spec_for(error: DomainError) -> ErrorSpec:
    """The most specific table row for an error (its own class, else the nearest base)."""
    for cls in type(error).__mro__:
        spec = ERROR_TABLE.get(cls)
        if spec is not None:
            return spec
    return INTERNAL


def translate_foreign(exc: Exception) -> DomainError | None:
    """The DomainError a foreign exception stands for, or None when it is a bug."""
    if isinstance(exc, OSError | TimeoutError):
        return ServiceUnavailable("Service temporarily unavailable")
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return ServiceUnavailable("Service temporarily unavailable")
    if is_transient_abort(exc):
        # Another request's transaction won a race; the caller may simply try again (calls
        # that are safe to repeat were already retried: server/platform/interceptors/retry.py).
        return ServiceUnavailable("The request collided with another one; retry", retry_after=1)
    return None
