import json
from urllib.parse import unquote

from fingate.common.v1 import options_pb2
from server.platform.envelopes import encode_for_metadata, render_error
from server.platform.errors import ERROR_TABLE, EmailAlreadyRegistered, InvalidInput, RateLimited


def test_mappr_envelope_without_details_has_no_details_key():
    ctype, body = render_error(
        options_pb2.ERROR_FORMAT_ENVELOPE,
        ERROR_TABLE[EmailAlreadyRegistered],
        "Email already registered",
        {},
        request_id="r1",
    )
    assert ctype == "application/json"
    assert json.loads(body) == {
        "success": False,
        "error": "Email already registered",
        "code": "EMAIL_ALREADY_REGISTERED",
        "statusCode": 409,
    }


def test_financbase_429_carries_retry_after():
    _, body = render_error(
        options_pb2.ERROR_FORMAT_SIMPLE,
        ERROR_TABLE[RateLimited],
        "Rate limit exceeded",
        {"retryAfter": 60, "limitReset": 1},
        request_id="r1",
    )
    assert json.loads(body) == {"success": False, "error": "Rate limit exceeded", "retryAfter": 60}


def test_financbase_validation_details_name_the_first_field():
    _, body = render_error(
        options_pb2.ERROR_FORMAT_SIMPLE,
        ERROR_TABLE[InvalidInput],
        "Invalid integration configuration",
        {
            "errors": [
                {"field": "service", "message": "Service not supported"},
                {"field": "permissions", "message": "too many"},
            ]
        },
        request_id="r1",
    )
    assert json.loads(body) == {
        "success": False,
        "error": "Invalid integration configuration",
        "details": {"field": "service", "message": "Service not supported"},
    }


def test_problem_details_carry_trace_id():
    ctype, body = render_error(
        options_pb2.ERROR_FORMAT_PROBLEM,
        ERROR_TABLE[RateLimited],
        "slow down",
        {},
        request_id="trace-1",
        instance="/api/v1/accounts",
    )
    assert ctype == "application/problem+json"
    doc = json.loads(body)
    assert doc["status"] == 429 and doc["trace_id"] == "trace-1"
    assert doc["instance"] == "/api/v1/accounts" and doc["type"].endswith("rate_limit_exceeded")


def test_metadata_encoding_is_printable_ascii_and_reversible():
    text = json.dumps({"error": 'Zażółć 100% "gęślą"\n'}, ensure_ascii=False)
    encoded = encode_for_metadata(text)
    assert all(32 <= ord(c) < 127 for c in encoded)
    assert unquote(encoded) == text
