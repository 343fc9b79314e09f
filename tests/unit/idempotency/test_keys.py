"""The pure rules of idempotency keys: valid keys, request fingerprints, result headers."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from fingate.banking.v1 import banking_service_pb2 as pb
from server.platform.errors import InvalidInput
from server.platform.idempotency.keys import fingerprint, result_headers, valid_key


def _connect(body: dict[str, object]) -> pb.ConnectAccountsRequest:
    return json_format.ParseDict(body, pb.ConnectAccountsRequest())


def test_valid_key__absent_is_none_and_printable_ascii_up_to_255_passes():
    assert valid_key([]) is None
    for key in ("a", "k" * 255, "550e8400-e29b-41d4-a716-446655440000", " ~!{}\"'"):
        assert valid_key([key]) == key


@pytest.mark.parametrize(
    "values", [[""], ["k" * 256], ["tab\there"], ["caf\u00e9"], ["nul\x00"], ["a", "b"]]
)
def test_valid_key__anything_else_is_invalid_input_on_the_header(values):
    with pytest.raises(InvalidInput) as raised:
        valid_key(values)
    assert [v.field for v in raised.value.violations] == ["Idempotency-Key"]
    assert raised.value.message == "Invalid Idempotency-Key header"


def test_fingerprint__same_fields_same_digest_whatever_their_order():
    enrollment = {"accessToken": "t", "enrollment": {"id": "enr_1"}}
    one = _connect({"enrollment": enrollment, "selectedAccountIds": ["a", "b"]})
    two = _connect({"selectedAccountIds": ["a", "b"], "enrollment": enrollment})
    assert fingerprint(one) == fingerprint(two)
    assert len(fingerprint(one)) == 32


def test_fingerprint__any_change_changes_the_digest():
    base = {"enrollment": {"accessToken": "t"}, "selectedAccountIds": ["a", "b"]}
    others = [
        {**base, "selectedAccountIds": ["b", "a"]},
        {**base, "selectedAccountIds": ["a"]},
        {**base, "enrollment": {"accessToken": "u"}},
    ]
    digests = {fingerprint(_connect(b)) for b in [base, *others]}
    assert len(digests) == 4


def test_result_headers__per_call_headers_are_not_part_of_the_result():
    headers = [
        ("x-request-id", "r1"),
        ("x-ratelimit-remaining", "9"),
        ("retry-after", "3"),
        ("set-cookie", "session_token=x"),
        ("location", "/api/v1/things/1"),
    ]
    assert result_headers(headers) == [
        ("set-cookie", "session_token=x"),
        ("location", "/api/v1/things/1"),
    ]
