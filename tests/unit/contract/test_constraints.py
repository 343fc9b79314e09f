"""The declared field rules, compiled (server/platform/contract/constraints.py), on real request
types.

tests/contract/test_constraints_oracle.py holds the same checks against protovalidate itself;
these name the house messages and the fields, the way clients see them in 400 answers."""

from __future__ import annotations

import datetime as dt

import pytest
from buf.validate import validate_pb2
from google.protobuf.message import Message

from fingate.admin.v1 import admin_service_pb2 as admin
from fingate.auth.v1 import auth_service_pb2 as auth
from fingate.banking.v1 import banking_service_pb2 as banking
from fingate.budgets.v1 import budget_service_pb2 as budgets
from fingate.goals.v1 import goal_service_pb2 as goals
from fingate.organizations.v1 import organization_service_pb2 as orgs
from server.app import SERVICE_MODULES
from server.platform.contract import constraints
from server.platform.contract.constraints import Constraints, UnsupportedRule
from server.platform.contract.registry import Registry

CHECKS = Constraints(
    s.request for s in Registry.from_modules(SERVICE_MODULES).specs() if s.request is not None
)
VALID_SIGN_UP = {
    "email": "ada@example.com",
    "password": "correct horse",
    "first_name": "Ada",
    "last_name": "Lovelace",
}


NO_DATE = "must be an ISO 8601 date (YYYY-MM-DD) or date-time"
OUT_OF_RANGE = "must be between 1900-01-01 and 2999-12-31"


def violations(request: Message) -> list[tuple[str, str]]:
    return [(v.field, v.message) for v in CHECKS.violations(request)]


def test_every_rule_of_an_empty_sign_up_is_named_once_in_field_order():
    assert violations(auth.SignUpRequest()) == [
        ("email", "is required"),
        ("password", "must be at least 8 characters"),
        ("firstName", "is required"),
        ("lastName", "is required"),
    ]


def test_a_valid_request_has_no_violation():
    assert violations(auth.SignUpRequest(**VALID_SIGN_UP)) == []
    assert violations(auth.SignUpRequest(**VALID_SIGN_UP, phone="+1 (415) 555-2671")) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "plain", "must be a valid email"),
        ("email", "a@", "must be a valid email"),
        ("email", f"{'a' * 250}@b.co", "must be at most 254 characters"),
        ("password", "x" * 129, "must be at most 128 characters"),
        ("first_name", " \t", "is required"),
        ("last_name", "x" * 101, "must be at most 100 characters"),
        ("phone", "4155552671", "must be a phone number in international format (+1234567890)"),
        ("phone", "+0123456789", "must be a phone number in international format (+1234567890)"),
        ("date_of_birth", "1990-13-01", "must be a date in YYYY-MM-DD format"),
        ("date_of_birth", "2023-02-29", "must be a date in YYYY-MM-DD format"),
        ("date_of_birth", "1850-01-01", "must be a past date after 1900-01-01"),
        ("date_of_birth", "2999-01-01", "must be a past date after 1900-01-01"),
    ],
)
def test_sign_up_rules(field, value, message):
    request = auth.SignUpRequest(**{**VALID_SIGN_UP, field: value})
    json_name = auth.SignUpRequest.DESCRIPTOR.fields_by_name[field].json_name
    assert violations(request) == [(json_name, message)]


def test_past_date_ends_yesterday():
    today = dt.datetime.now(dt.UTC).date()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert violations(auth.SignUpRequest(**VALID_SIGN_UP, date_of_birth=yesterday)) == []
    assert violations(auth.SignUpRequest(**VALID_SIGN_UP, date_of_birth=today.isoformat()))


def test_upcoming_date_starts_today():
    today = dt.datetime.now(dt.UTC).date()
    valid = {"name": "Trip", "target_amount": 10}

    def check(day: str) -> list[tuple[str, str]]:
        return violations(goals.CreateGoalRequest(**valid, target_date=day))

    assert check(today.isoformat()) == [] and check("2999-12-31") == []
    late = "must be today or a later date before 3000-01-01"
    assert check((today - dt.timedelta(days=1)).isoformat()) == [("targetDate", late)]
    assert check("3000-01-01") == [("targetDate", late)]
    assert check("2030-02-29") == [("targetDate", "must be a date in YYYY-MM-DD format")]
    assert check("") == [("targetDate", "is required")]


def test_pages_limits_and_choices_in_any_letter_case():
    assert violations(admin.ListUsersRequest(role="admin", plan="Pro", page=1, limit=100)) == []
    assert violations(admin.ListUsersRequest(role="root", page=0, limit=101)) == [
        ("role", "must be one of USER, PREMIUM, ADMIN"),
        ("page", "must be at least 1"),
        ("limit", "must be between 1 and 100"),
    ]
    # RE2's `$` ends the text: a trailing line feed is no match.
    assert violations(admin.ListUsersRequest(role="ADMIN\n")) == [
        ("role", "must be one of USER, PREMIUM, ADMIN")
    ]


def test_absent_optional_numbers_and_empty_optional_text_are_not_checked():
    assert violations(banking.ListTransactionsRequest()) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"account_id": "acc_123"}, [("accountId", "must be a UUID")]),
        ({"category": "c" * 101}, [("category", "must be at most 100 characters")]),
        ({"search_text": "s" * 201}, [("searchText", "must be at most 200 characters")]),
        ({"start_date": "2025-02-30"}, [("startDate", NO_DATE)]),
        ({"end_date": "tomorrow"}, [("endDate", NO_DATE)]),
        ({"end_date": "9999-12-31"}, [("endDate", OUT_OF_RANGE)]),
        ({"start_date": "2999-12-31T23:00:00-05:00"}, [("startDate", OUT_OF_RANGE)]),
        ({"start_date": "2025-01-10T08:30:00", "end_date": "2025-01-10T12:00:00+02:00"}, []),
    ],
)  # fmt: skip
def test_transaction_filters(given, expected):
    assert violations(banking.ListTransactionsRequest(**given)) == expected


def test_nested_messages_name_their_path_and_required_messages_must_be_present():
    request = banking.ConnectAccountsRequest()
    assert violations(request) == [
        ("enrollment", "is required"),
        ("selectedAccountIds", "must have at least 1 item"),
    ]
    request.enrollment.access_token = " "
    request.enrollment.enrollment.id = "enr_1"
    request.selected_account_ids.extend(["acc_1", ""])
    assert violations(request) == [
        ("enrollment.accessToken", "is required"),
        ("enrollment.enrollment.institution", "is required"),
        ("selectedAccountIds[1]", "is required"),
    ]


def test_repeated_messages_are_checked_item_by_item_and_counted():
    request = budgets.CreateBudgetRequest(name="Food", amount=10, period="MONTHLY")
    request.alerts.add(threshold=0)
    request.alerts.add(threshold=80)
    assert violations(request) == [("alerts[0].threshold", "must be between 1 and 1000")]
    for _ in range(10):
        request.alerts.add(threshold=50)
    assert violations(request) == [
        ("alerts", "must have at most 10 items"),
        ("alerts[0].threshold", "must be between 1 and 1000"),
    ]


@pytest.mark.parametrize("amount", [0, -5, 1e13, float("nan")])
def test_money_bounds(amount):
    request = budgets.CreateBudgetRequest(name="Food", amount=amount, period="monthly")
    assert [f for f, _ in violations(request)] == ["amount"]


def test_optional_fields_with_presence_are_checked_only_when_given():
    assert violations(budgets.UpdateBudgetRequest()) == []
    assert violations(budgets.UpdateBudgetRequest(name=" ")) == [("name", "is required")]


@pytest.mark.parametrize(
    ("slug", "ok"),
    [("my-company", True), ("My-Company", True), ("ab", False), ("a--b", False),
     ("-abc", False), ("abc-", False), ("x" * 60, True), ("x" * 61, False)],
)  # fmt: skip
def test_slugs(slug, ok):
    request = orgs.CreateOrganizationRequest(name="Acme", slug=slug)
    assert (violations(request) == []) is ok


def test_a_rule_the_compiler_does_not_know_fails_at_start_up():
    rules = validate_pb2.StringRules(hostname=True)
    with pytest.raises(UnsupportedRule):
        constraints._string_checks(rules)
