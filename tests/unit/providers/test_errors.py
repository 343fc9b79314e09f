"""The one provider-error map (server/providers/errors.py), row by row."""

from __future__ import annotations

import pytest

import server.payments.gateway  # noqa: F401  (every adapter's errors are defined)
import server.providers.plaid  # noqa: F401
import server.providers.teller  # noqa: F401
import server.providers.zerion  # noqa: F401
from server.platform.encryption import UnreadableSecret
from server.platform.errors import (
    ConnectionAlreadyExists,
    InvalidInput,
    ProviderFailure,
    ServiceUnavailable,
    spec_for,
)
from server.providers.apps import AppProviderError, AppUnavailable, GrantRefused, TokenRejected
from server.providers.base import (
    AccessRevoked,
    InvalidCredentials,
    LoginRequired,
    MutationDuringPagination,
    ProviderError,
    ProviderUnavailable,
)
from server.providers.errors import FAILURES, ROWS, Kind, classify, translate
from server.providers.payment_errors import (
    PaymentMethodDeclined,
    PaymentMethodRejected,
    PaymentsUnavailable,
)
from server.providers.rails import (
    Ambiguous,
    NotExecuted,
    RailAuthFailed,
    RailError,
    RailUnavailable,
    UnknownAccount,
)
from server.providers.registry import UnsupportedProvider
from server.providers.zerion import AddressRejected, CircuitOpen, PortfolioUnavailable

# Each row: the error, its kind, what a stored connection becomes, whether the grant is gone.
EXPECTED = [
    (LoginRequired("sign in again"), Kind.LOGIN_REQUIRED, "DISCONNECTED", False),
    (AccessRevoked("item removed"), Kind.REVOKED, "FAILED", True),
    (UnreadableSecret("key rotated away"), Kind.TOKEN_UNREADABLE, "FAILED", False),
    (InvalidCredentials("bad public token"), Kind.INVALID_INPUT, None, True),
    (AddressRejected("Invalid Ethereum address"), Kind.INVALID_INPUT, None, True),
    (PaymentMethodDeclined("was declined"), Kind.INVALID_INPUT, None, True),
    (
        PaymentMethodRejected("is not a known payment method", code="resource_missing"),
        Kind.INVALID_INPUT,
        None,
        True,
    ),
    (UnsupportedProvider("MX is coming soon"), Kind.UNSUPPORTED, None, False),
    (GrantRefused("invalid_grant"), Kind.INVALID_INPUT, None, True),
    (TokenRejected("401"), Kind.REVOKED, "FAILED", True),
    (AppUnavailable("HTTP 503", retry_after=7), Kind.OUTAGE, None, False),
    (AppProviderError("unexpected answer"), Kind.OUTAGE, None, False),
    (RailAuthFailed("401 unauthorized"), Kind.INVALID_INPUT, None, True),
    (UnknownAccount("no such account"), Kind.INVALID_INPUT, None, True),
    (NotExecuted("payment_refused"), Kind.INVALID_INPUT, None, True),
    (Ambiguous("ReadTimeout"), Kind.OUTAGE, None, False),
    (RailUnavailable("HTTP 503", retry_after=9), Kind.OUTAGE, None, False),
    (RailError("idempotency_conflict"), Kind.OUTAGE, None, False),
    (PaymentsUnavailable(), Kind.OUTAGE, None, False),
    (CircuitOpen(42), Kind.OUTAGE, None, False),
    (PortfolioUnavailable("HTTP 503"), Kind.OUTAGE, None, False),
    (MutationDuringPagination("restart"), Kind.OUTAGE, None, False),
    (ProviderUnavailable("503"), Kind.OUTAGE, None, False),
    (ProviderError("unexpected answer"), Kind.OUTAGE, None, False),
]


@pytest.mark.parametrize(
    ("error", "kind", "status", "grant_gone"),
    EXPECTED,
    ids=[type(e).__name__ for e, *_ in EXPECTED],
)
def test_each_row(error, kind, status, grant_gone):
    found = classify(error)
    assert (found, found.connection_status, found.grant_gone) == (kind, status, grant_gone)
    assert isinstance(error, FAILURES)


def test_every_row_is_named_here():
    assert [row.error for row in ROWS] == [type(e) for e, *_ in EXPECTED]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_provider_error_has_a_row_of_its_own():
    # A new provider's error must say what it means, not fall through to "outage".
    rows = {row.error for row in ROWS}
    missing = [c.__qualname__ for c in _subclasses(ProviderError) if c not in rows]
    assert missing == []


def test_rows_are_most_specific_first():
    for i, row in enumerate(ROWS):
        for earlier in ROWS[:i]:
            assert not issubclass(row.error, earlier.error), (row.error, earlier.error)


def test_refused_credentials_the_caller_gave_are_its_bad_input_naming_the_field():
    for error in (LoginRequired("x"), AccessRevoked("x"), InvalidCredentials("x")):
        answer = translate(error, field="code")
        assert isinstance(answer, InvalidInput)
        assert answer.message == "The provider did not accept the credentials"
        assert [(v.field, v.message) for v in answer.violations] == [
            ("code", "was not accepted by the provider")
        ]


def test_an_app_outage_carries_its_wait():
    answer = translate(AppUnavailable("circuit open", retry_after=42), field="code")
    assert isinstance(answer, ServiceUnavailable) and answer.retry_after == 42


def test_rail_failures_say_what_the_caller_can_do():
    unavailable = translate(RailUnavailable("circuit open", retry_after=42), field="config")
    assert isinstance(unavailable, ServiceUnavailable) and unavailable.retry_after == 42
    unknown = translate(Ambiguous("ReadTimeout"), field="amount")
    assert isinstance(unknown, ServiceUnavailable)
    assert unknown.message == "The payment's outcome is being confirmed"
    refused = translate(NotExecuted("payment_refused: Insufficient funds"), field="amount")
    assert isinstance(refused, InvalidInput)
    assert refused.message == "The payment was not executed"
    assert [(v.field, v.message) for v in refused.violations] == [
        ("amount", "The payment was not executed: payment_refused: Insufficient funds")
    ]
    credentials = translate(RailAuthFailed("unauthorized"), field="config")
    assert credentials.message == "The banking integration refused the credentials"


def test_refused_payment_methods_say_why_in_their_own_words():
    declined = translate(PaymentMethodDeclined("was declined"), field="paymentMethodId")
    assert isinstance(declined, InvalidInput)
    assert declined.message == "Payment method was declined"
    assert declined.details == {"errors": [{"field": "paymentMethodId", "message": "was declined"}]}
    unknown = translate(
        PaymentMethodRejected("is not a known payment method", code="resource_missing"),
        field="paymentMethodId",
    )
    assert isinstance(unknown, InvalidInput)
    assert unknown.message == "Payment method not found"
    assert unknown.details == {
        "errors": [{"field": "paymentMethodId", "message": "is not a known payment method"}]
    }


def test_refused_stored_credentials_get_the_callers_own_answer():
    expired = ConnectionAlreadyExists("Plaid access token has expired")
    for error in (
        LoginRequired("x"),
        AccessRevoked("x"),
        InvalidCredentials("x"),
        UnreadableSecret("x"),
    ):
        assert translate(error, field="provider", refused=expired) is expired


@pytest.mark.parametrize(
    "error", [MutationDuringPagination("x"), ProviderUnavailable("x"), ProviderError("x")]
)
def test_a_bank_aggregators_outage_is_503_provider_error(error):
    expired = ConnectionAlreadyExists("not for outages")
    for answer in (
        translate(error, field="code"),
        translate(error, field="provider", refused=expired),
    ):
        assert type(answer) is ProviderFailure
        assert (spec_for(answer).http_status, spec_for(answer).reason) == (503, "PROVIDER_ERROR")
        assert answer.retry_after > 0


def test_the_payment_providers_outage_is_503_service_unavailable():
    answer = translate(PaymentsUnavailable(), field="paymentMethodId")
    assert type(answer) is ServiceUnavailable
    assert answer.message == "Payment provider unavailable"
    assert (spec_for(answer).http_status, spec_for(answer).reason) == (503, "SERVICE_UNAVAILABLE")
    assert answer.retry_after > 0


def test_an_unsupported_provider_is_bad_input_naming_the_field_even_for_stored_tokens():
    error = UnsupportedProvider("MX is coming soon; supported: PLAID, TELLER")
    answer = translate(error, field="provider", refused=ConnectionAlreadyExists())
    assert isinstance(answer, InvalidInput)
    assert answer.message == str(error)
    assert [(v.field, v.message) for v in answer.violations] == [("provider", str(error))]


def test_anything_else_is_no_provider_failure():
    with pytest.raises(TypeError):
        classify(ValueError("not ours"))


def test_an_open_circuit_is_503_provider_error_with_the_time_left():
    answer = translate(CircuitOpen(42), field="walletId")
    assert type(answer) is ProviderFailure
    assert (spec_for(answer).http_status, spec_for(answer).reason) == (503, "PROVIDER_ERROR")
    assert answer.message == "External service temporarily unavailable"
    assert answer.details == {"provider": "zerion", "retryAfter": 42}
    assert answer.retry_after == 42


def test_the_portfolio_providers_outage_says_when_to_retry():
    answer = translate(PortfolioUnavailable("HTTP 503"), field="walletId")
    assert type(answer) is ProviderFailure
    assert answer.details == {"provider": "zerion", "retryAfter": answer.retry_after}
    assert answer.retry_after > 0


def test_an_address_the_provider_cannot_read_is_bad_input_naming_the_field():
    answer = translate(AddressRejected("Invalid Ethereum address"), field="address")
    assert isinstance(answer, InvalidInput)
    assert answer.message == "Invalid wallet address"
    assert [(v.field, v.message) for v in answer.violations] == [
        ("address", "Invalid Ethereum address")
    ]
