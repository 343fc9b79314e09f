"""Text no field may carry (issue 10): a NUL or another control character anywhere in a request
is 400 INVALID_INPUT naming the field, before any domain code, and changes nothing."""

from __future__ import annotations

import pytest

from tests.factories.auth import sign_in, sign_up, unique_email
from tests.rest.client import assert_mappr_error, bearer, call

ENROLLMENT = {
    "accessToken": "test_token_hardening",
    "enrollment": {"id": "enr_hardening", "institution": {"id": "chase", "name": "Chase\u0000"}},
}


def _refused(response, field: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert {"field": field, "message": "must not contain control characters"} in body["details"][
        "errors"
    ]


@pytest.mark.parametrize("bad", ["\u0000", "\u0001", "\u001b", "\u007f"])
def test_sign_in_email_without_a_login(rest, bad):
    response = rest.post(
        "/api/v1/auth/sign-in", json={"email": f"a{bad}@example.com", "password": "x" * 10}
    )
    _refused(response, "email")


def test_sign_up_names_create_nobody(rest):
    email = unique_email()
    body = {"email": email, "password": "SecurePassword123!", "firstName": "Jo\u0000hn"}
    _refused(rest.post("/api/v1/auth/sign-up", json={**body, "lastName": "Doe"}), "firstName")
    _refused(
        rest.post("/api/v1/auth/sign-up", json={**body, "firstName": "J", "lastName": "\u0000"}),
        "lastName",
    )
    sign_in(rest, email, "SecurePassword123!", status=401)


def test_budget_and_organization_names(rest):
    account = sign_up(rest)
    headers = bearer(account.token)
    budget = {"name": "Food\u0000", "amount": 100, "period": "MONTHLY"}
    _refused(rest.post("/api/v1/budgets", json=budget, headers=headers), "name")
    assert call(rest, "GET", "/api/v1/budgets", 200, headers=headers)["data"] == []
    _refused(
        rest.post("/api/v1/organizations", json={"name": "Ac\u0000me"}, headers=headers), "name"
    )


@pytest.mark.parametrize("param", ["searchText", "category", "startDate"])
def test_transaction_query_parameters(rest, param):
    account = sign_up(rest)
    response = rest.get(
        "/api/v1/banking/transactions", params={param: "x\u0000"}, headers=bearer(account.token)
    )
    _refused(response, param)


def test_admin_search(rest, admin_credentials):
    admin = sign_in(rest, admin_credentials["email"], admin_credentials["password"])
    headers = bearer(admin["data"]["session"]["token"])
    response = rest.get("/api/v1/admin/users", params={"search": "jo\u0000"}, headers=headers)
    _refused(response, "search")


def test_institution_name_in_an_enrollment(rest):
    account = sign_up(rest)
    response = rest.post(
        "/api/v1/banking/preview", json={"enrollment": ENROLLMENT}, headers=bearer(account.token)
    )
    _refused(response, "enrollment.enrollment.institution.name")


def test_dashtam_routes_answer_problem_details(rest):
    account = sign_up(rest)
    response = rest.get(
        "/api/v1/accounts", params={"account_type": "check\u0000ing"}, headers=bearer(account.token)
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


# --- dates at the calendar's edges: 400 outside 1900-01-01 … 2999-12-31, never a 500 ---


@pytest.mark.parametrize(
    "params, field",
    [
        ({"endDate": "9999-12-31"}, "endDate"),
        ({"startDate": "0001-01-01"}, "startDate"),
        ({"startDate": "9999-12-31T23:59:59Z"}, "startDate"),
        ({"endDate": "1899-12-31"}, "endDate"),
    ],
)
def test_transaction_dates_out_of_range(rest, params, field):
    account = sign_up(rest)
    response = rest.get(
        "/api/v1/banking/transactions", params=params, headers=bearer(account.token)
    )
    assert response.status_code == 400, response.text
    errors = response.json()["details"]["errors"]
    assert [e["field"] for e in errors] == [field]


def test_transaction_dates_at_the_range_ends_are_fine(rest):
    account = sign_up(rest)
    params = {"startDate": "1900-01-01", "endDate": "2999-12-31"}
    body = call(
        rest,
        "GET",
        "/api/v1/banking/transactions",
        200,
        params=params,
        headers=bearer(account.token),
    )
    assert body["data"] == []


@pytest.mark.parametrize(
    "start, end",
    [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-31"), ("2999-12-01", "9999-12-31")],
)
def test_custom_analytics_out_of_range(rest, start, end):
    account = sign_up(rest)
    params = {"period": "custom", "startDate": start, "endDate": end}
    response = rest.get(
        "/api/v1/banking/analytics/spending/categories",
        params=params,
        headers=bearer(account.token),
    )
    assert response.status_code == 400, response.text
    assert_mappr_error(response.json(), code="INVALID_INPUT", status=400, details=True)


@pytest.mark.parametrize(
    "extra",
    [
        {"period": "CUSTOM", "startDate": "9999-12-01", "endDate": "9999-12-31"},
        {"period": "YEARLY", "startDate": "9999-12-31"},
        {"period": "MONTHLY", "startDate": "0001-01-01"},
    ],
)
def test_budget_dates_out_of_range_create_nothing(rest, extra):
    account = sign_up(rest)
    headers = bearer(account.token)
    body = {"name": "Edge", "amount": 100, **extra}
    response = rest.post("/api/v1/budgets", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert_mappr_error(response.json(), code="INVALID_INPUT", status=400, details=True)
    assert call(rest, "GET", "/api/v1/budgets", 200, headers=headers)["data"] == []


def test_budget_at_the_last_supported_day(rest):
    account = sign_up(rest)
    body = {"name": "Far", "amount": 100, "period": "YEARLY", "startDate": "2999-12-31"}
    created = call(rest, "POST", "/api/v1/budgets", 201, json=body, headers=bearer(account.token))
    assert created["data"]["startDate"] == "2999-12-31"
