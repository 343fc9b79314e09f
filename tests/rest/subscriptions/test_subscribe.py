"""POST /api/v1/subscriptions/subscribe (seed 004 "Subscribe to Plan")."""

import datetime as dt

import pytest

from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call
from tests.rest.subscriptions.helpers import current, subscribe

ACTIVATION_KEYS = {"id", "planId", "planName", "status", "startDate", "renewalDate", "message"}


def _at(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def test_subscribe__accepted_payment_method_is_201_with_documented_body(rest):
    account = sign_up(rest)
    body = subscribe(rest, account.token, "plan_pro", "pm_123")
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert set(data) == ACTIVATION_KEYS
    assert UUID.match(data["id"])
    assert (data["planId"], data["planName"], data["status"]) == ("plan_pro", "Pro", "active")
    assert data["message"] == "Subscription activated successfully"
    assert RFC3339_Z.match(data["startDate"]) and RFC3339_Z.match(data["renewalDate"])
    start, renewal = _at(data["startDate"]), _at(data["renewalDate"])
    assert 28 <= (renewal - start).days <= 31  # one monthly cycle
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["currentPlan"] == "PRO"


def test_subscribe__declined_card_is_400_on_payment_method_and_changes_nothing(rest):
    account = sign_up(rest)
    body = subscribe(rest, account.token, "plan_pro", "pm_card_declined", status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert body["error"] == "Payment method was declined"
    assert body["details"] == {"errors": [{"field": "paymentMethodId", "message": "was declined"}]}
    assert current(rest, account.token)["data"]["planId"] == "plan_free"
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["currentPlan"] == "FREE"


def test_subscribe__unknown_payment_method_is_400(rest):
    account = sign_up(rest)
    body = subscribe(rest, account.token, "plan_pro", "card_4242", status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert body["details"]["errors"][0]["field"] == "paymentMethodId"


@pytest.mark.parametrize(
    ("plan_id", "method", "field"),
    [
        ("plan_gold", "pm_123", "planId"),
        ("", "pm_123", "planId"),
        ("plan_pro", None, "paymentMethodId"),
        ("plan_pro", "pm 123; drop", "paymentMethodId"),
    ],
)
def test_subscribe__invalid_input_names_the_field(rest, plan_id, method, field):
    account = sign_up(rest)
    body = subscribe(rest, account.token, plan_id, method, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert [e["field"] for e in body["details"]["errors"]] == [field]


def test_subscribe__free_needs_no_payment_method_and_does_not_renew(rest):
    account = sign_up(rest)
    data = subscribe(rest, account.token, "plan_free")["data"]
    assert set(data) == ACTIVATION_KEYS
    assert (data["planId"], data["renewalDate"]) == ("plan_free", None)


def test_subscribe__same_plan_twice_is_409_another_plan_replaces(rest):
    account = sign_up(rest)
    first = subscribe(rest, account.token, "plan_pro", "pm_card_visa")["data"]
    again = subscribe(rest, account.token, "plan_pro", "pm_card_visa", status=409)
    assert_mappr_error(again, code="CONFLICT", status=409)
    second = subscribe(rest, account.token, "plan_ultimate", "pm_card_visa")["data"]
    assert second["id"] != first["id"]
    now = current(rest, account.token)["data"]
    assert (now["id"], now["planId"]) == (second["id"], "plan_ultimate")


def test_subscribe__needs_a_token(rest):
    body = call(rest, "POST", "/api/v1/subscriptions/subscribe", 401, json={"planId": "plan_pro"})
    assert_mappr_error(body, code="UNAUTHORIZED", status=401)
