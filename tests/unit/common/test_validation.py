import datetime as dt

import pytest

from server.common.validation import Violations
from server.errors import InvalidInput

TODAY = dt.date(2026, 11, 23)


def test_email_is_normalised_to_lower_case():
    v = Violations()
    assert v.email("email", "  John.Doe@Example.COM ") == "john.doe@example.com"
    assert v.items == []


@pytest.mark.parametrize("value", ["", "plain", "a@", "@b.co", "a b@c.co"])
def test_email__invalid(value):
    v = Violations()
    v.email("email", value)
    assert [i.field for i in v.items] == ["email"]


@pytest.mark.parametrize(
    ("value", "ok"), [("1234567", False), ("12345678", True), ("x" * 129, False)]
)
def test_password_length(value, ok):
    v = Violations()
    v.password("password", value)
    assert (v.items == []) is ok


def test_phone_is_returned_in_e164():
    v = Violations()
    assert v.phone("phone", "+1 (415) 555-2671") == "+14155552671"
    assert v.phone("phone", "+1234567890") == "+1234567890"  # seed 004's example
    assert v.phone("phone", "") is None
    assert v.items == []


@pytest.mark.parametrize(
    "value", ["12345", "+1 000", "not a phone", "4155552671", "+0123456789", "+1234567890123456"]
)
def test_phone__invalid(value):
    v = Violations()
    assert v.phone("phone", value) is None
    assert [i.field for i in v.items] == ["phone"]


def test_past_date():
    v = Violations()
    assert v.past_date("dateOfBirth", "1990-01-15", today=TODAY) == dt.date(1990, 1, 15)
    assert v.past_date("dateOfBirth", "", today=TODAY) is None
    assert v.items == []


@pytest.mark.parametrize(
    "value", ["1990-13-01", "1990-1-5", "15/01/1990", "2030-01-01", "1850-01-01"]
)
def test_past_date__invalid(value):
    v = Violations()
    assert v.past_date("dateOfBirth", value, today=TODAY) is None
    assert [i.field for i in v.items] == ["dateOfBirth"]


def test_raise_if_any_collects_every_violation():
    v = Violations()
    v.required("firstName", "  ", max_len=100)
    v.password("password", "short")
    with pytest.raises(InvalidInput) as caught:
        v.raise_if_any()
    assert caught.value.details == {
        "errors": [
            {"field": "firstName", "message": "is required"},
            {"field": "password", "message": "must be at least 8 characters"},
        ]
    }


# --- control characters in any request text (server/interceptors/validation.py) ---

from fingate.auth.v1 import auth_service_pb2 as _auth_pb2  # noqa: E402
from fingate.banking.v1 import banking_service_pb2 as _banking_pb2  # noqa: E402
from server.common.validation import (  # noqa: E402
    LATEST_DATE,
    calendar_date,
    text_violations,
)


@pytest.mark.parametrize("bad", ["\x00", "a\x01b", "\x1f", "\x7f", "x\x0by", "\x1b[31m"])
def test_control_characters_are_named_by_json_field(bad):
    request = _auth_pb2.SignUpRequest(email="a@b.co", password="x", first_name=f"J{bad}")
    assert [(v.field, v.message) for v in text_violations(request)] == [
        ("firstName", "must not contain control characters")
    ]


def test_tab_newline_and_text_beyond_ascii_pass():
    request = _auth_pb2.SignUpRequest(email="a@b.co", password="x", first_name="Zoë\t\r\n李")
    assert text_violations(request) == []


def test_nested_and_repeated_strings_are_walked():
    request = _banking_pb2.ConnectAccountsRequest(selected_account_ids=["ok", "b\x00d"])
    request.enrollment.enrollment.institution.name = "Chase\x00"
    fields = sorted(v.field for v in text_violations(request))
    assert fields == ["enrollment.enrollment.institution.name", "selectedAccountIds[1]"]


def test_calendar_dates_outside_the_supported_range_are_violations():
    v = Violations()
    assert calendar_date(v, "endDate", LATEST_DATE) == LATEST_DATE
    assert calendar_date(v, "endDate", dt.date(9999, 12, 31)) is None
    assert calendar_date(v, "startDate", dt.date(1, 1, 1)) is None
    assert [i.field for i in v.items] == ["endDate", "startDate"]
