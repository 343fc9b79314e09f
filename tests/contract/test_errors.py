"""Every domain error has a row in the one table; every documented code has an error."""

import grpc

from server.platform import errors

# Seed 004 "Common Error Codes" that this server raises so far, plus INVALID_TOKEN.
DOCUMENTED = {
    "INVALID_INPUT",
    "EMAIL_ALREADY_REGISTERED",
    "INVALID_CREDENTIALS",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "RESOURCE_NOT_FOUND",
    "RATE_LIMIT_EXCEEDED",
    "PLAN_LIMIT_EXCEEDED",
    "SYNC_IN_PROGRESS",
    "PROVIDER_ERROR",
    # Seed 000.
    "CONNECTION_ALREADY_EXISTS",
    "CONNECTION_NOT_FOUND",
}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_domain_error_has_a_table_row():
    missing = [c.__name__ for c in _subclasses(errors.DomainError) if c not in errors.ERROR_TABLE]
    assert missing == []


def test_every_documented_code_has_an_error():
    reasons = {spec.reason for spec in errors.ERROR_TABLE.values()}
    assert DOCUMENTED - reasons == set()


def test_http_status_agrees_with_the_grpc_code():
    # Envoy would map the gRPC code the same way; the table must not contradict it.
    expected = {
        grpc.StatusCode.INVALID_ARGUMENT: 400,
        grpc.StatusCode.FAILED_PRECONDITION: 400,
        grpc.StatusCode.UNAUTHENTICATED: 401,
        grpc.StatusCode.PERMISSION_DENIED: 403,
        grpc.StatusCode.NOT_FOUND: 404,
        grpc.StatusCode.ALREADY_EXISTS: 409,
        grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
        grpc.StatusCode.UNAVAILABLE: 503,
    }
    for cls, spec in errors.ERROR_TABLE.items():
        assert expected[spec.grpc_code] == spec.http_status, cls.__name__


def test_most_specific_row_wins():
    assert errors.spec_for(errors.InvalidCredentials()).reason == "INVALID_CREDENTIALS"
    assert errors.spec_for(errors.Unauthenticated()).reason == "UNAUTHORIZED"
