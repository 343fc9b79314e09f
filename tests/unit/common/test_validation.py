import datetime as dt

import pytest

from server.platform.common.validation import (
    Violations,
    normalize_email,
    normalize_phone,
    parse_date,
    parse_date_or_time,
)
from server.platform.errors import InvalidInput


def test_email_is_normalised_to_lower_case():
    assert normalize_email("  John.Doe@Example.COM ") == "john.doe@example.com"


def test_text_that_is_no_address_is_only_trimmed_and_lower_cased():
    # Sign-in looks such text up as it is: it matches nobody.
    assert normalize_email(" Not An Address ") == "not an address"


def test_phone_is_returned_in_e164():
    assert normalize_phone("+1 (415) 555-2671") == "+14155552671"
    assert normalize_phone("+1234567890") == "+1234567890"  # seed 004's example
    assert normalize_phone("") is None


def test_dates_parse_only_in_their_one_form():
    assert parse_date("1990-01-15") == dt.date(1990, 1, 15)
    for bad in ["", "1990-13-01", "1990-1-5", "15/01/1990", "2023-02-29", "1990-01-15\n"]:
        assert parse_date(bad) is None


def test_date_times_without_an_offset_are_utc():
    assert parse_date_or_time("2026-01-02") == dt.date(2026, 1, 2)
    assert parse_date_or_time("2026-01-02T03:04:05") == dt.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC
    )
    assert parse_date_or_time("2026-01-02T03:04:05+02:00").utcoffset() == dt.timedelta(hours=2)
    assert parse_date_or_time("yesterday") is None


def test_raise_if_any_collects_every_violation():
    v = Violations()
    v.add("startDate", "is required for a CUSTOM period")
    v.add("endDate", "is required for a CUSTOM period")
    with pytest.raises(InvalidInput) as caught:
        v.raise_if_any()
    assert [e["field"] for e in caught.value.details["errors"]] == ["startDate", "endDate"]


# --- control characters in any request text (server/platform/interceptors/validation.py) ---

from fingate.auth.v1 import auth_service_pb2 as _auth_pb2  # noqa: E402
from fingate.banking.v1 import banking_service_pb2 as _banking_pb2  # noqa: E402
from server.platform.common.validation import text_violations  # noqa: E402


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
