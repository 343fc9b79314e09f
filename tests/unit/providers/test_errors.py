"""The one provider-error map (server/providers/errors.py), row by row."""

from __future__ import annotations

import pytest

from server.encryption import UnreadableSecret
from server.errors import InvalidInput, ProviderFailure
from server.providers.base import (
    AccessRevoked,
    InvalidCredentials,
    LoginRequired,
    MutationDuringPagination,
    ProviderError,
    ProviderUnavailable,
)
from server.providers.errors import Kind, outcome, refused_input, unavailable


@pytest.mark.parametrize(
    ("error", "kind", "status", "grant_gone"),
    [
        (LoginRequired("sign in again"), Kind.REFUSED, "DISCONNECTED", False),
        (AccessRevoked("item removed"), Kind.REFUSED, "FAILED", True),
        (UnreadableSecret("key rotated away"), Kind.REFUSED, "FAILED", False),
        (InvalidCredentials("bad public token"), Kind.REFUSED, None, True),
        (MutationDuringPagination("restart"), Kind.OUTAGE, None, False),
        (ProviderUnavailable("503"), Kind.OUTAGE, None, False),
        (ProviderError("unexpected answer"), Kind.OUTAGE, None, False),
    ],
)
def test_each_row(error, kind, status, grant_gone):
    found = outcome(error)
    assert (found.kind, found.connection_status, found.grant_gone) == (kind, status, grant_gone)


def test_credentials_the_caller_gave_are_its_bad_input_unless_the_provider_failed():
    refused = refused_input(InvalidCredentials("no"), field="code")
    assert isinstance(refused, InvalidInput)
    assert [(v.field, v.message) for v in refused.violations] == [
        ("code", "was not accepted by the provider")
    ]
    assert isinstance(refused_input(ProviderUnavailable("down"), field="code"), ProviderFailure)


def test_outages_are_503_and_refusals_are_left_to_the_caller():
    assert isinstance(unavailable(ProviderUnavailable("down")), ProviderFailure)
    assert unavailable(LoginRequired("again")) is None


def test_anything_else_is_no_provider_failure():
    with pytest.raises(TypeError):
        outcome(ValueError("not ours"))
