"""Dashtam's derived flags (seed 003 example: brokerage → investment; roth_ira → investment and
retirement)."""

import pytest

from server.accounts.convert import money
from server.accounts.types import ACCOUNT_TYPES, flags


@pytest.mark.parametrize(
    ("type_", "subtype", "expected"),
    [
        ("INVESTMENT", "brokerage", (True, False, False, False)),
        ("INVESTMENT", "roth_ira", (True, False, True, False)),
        ("INVESTMENT", "401k", (True, False, True, False)),
        ("CHECKING", "checking", (False, True, False, False)),
        ("SAVINGS", "money_market", (False, True, False, False)),
        ("SAVINGS", "cd", (False, True, False, False)),
        ("CREDIT_CARD", "other", (False, False, False, True)),
        ("INVESTMENT", "hsa", (True, False, False, False)),
        ("SAVINGS", "hsa", (False, True, False, False)),
        ("LOAN", "other", (False, False, False, False)),
    ],
)
def test_flags(type_, subtype, expected):
    f = flags(type_, subtype)
    assert (f.is_investment, f.is_bank, f.is_retirement, f.is_credit) == expected


def test_the_table_has_the_fifteen_documented_types():
    assert len(ACCOUNT_TYPES) == 15 and "401k" in ACCOUNT_TYPES and "roth_ira" in ACCOUNT_TYPES


def test_money_has_two_decimals():
    from decimal import Decimal

    assert [money(Decimal(v)) for v in ("25000.5", "0", "-3.456", "50000")] == [
        "25000.50",
        "0.00",
        "-3.46",
        "50000.00",
    ]


def test_the_request_declares_exactly_the_known_types():
    # The filter's values are a declared rule (the validation interceptor enforces it); the
    # declaration must name the same types the table knows, no more, no fewer.
    from buf.validate import validate_pb2

    from fingate.accounts.v1 import account_service_pb2 as pb

    field = pb.ListAccountsRequest.DESCRIPTOR.fields_by_name["account_type"]
    pattern = field.GetOptions().Extensions[validate_pb2.field].string.pattern
    declared = pattern.removeprefix("(?i)^(").removesuffix(")$").split("|")
    assert sorted(declared) == sorted(ACCOUNT_TYPES)
