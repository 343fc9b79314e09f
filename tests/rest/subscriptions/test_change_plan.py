"""PUT /api/v1/subscriptions/change-plan (seed 004 "Change Plan")."""

import jwt

from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, assert_mappr_error, bearer, call
from tests.rest.subscriptions.helpers import change_plan, current, subscribe

CHANGE_KEYS = {"id", "planId", "planName", "status", "effectiveDate", "message"}


def _refresh(rest, refresh_token):
    body = call(rest, "POST", "/api/v1/auth/refresh", 200, json={"refreshToken": refresh_token})
    return body["data"]


def test_change_plan__upgrade_applies_at_once_to_me_and_the_next_token(rest, jwt_secret):
    account = sign_up(rest)
    sub = subscribe(rest, account.token, "plan_pro", "pm_card_visa")["data"]
    body = change_plan(rest, account.token, "plan_ultimate")
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert set(data) == CHANGE_KEYS
    assert data["id"] == sub["id"]  # the same subscription, on a new plan
    assert (data["planId"], data["planName"], data["status"]) == (
        "plan_ultimate",
        "Ultimate",
        "active",
    )
    assert data["message"] == "Plan changed to Ultimate"
    assert RFC3339_Z.match(data["effectiveDate"])
    # The old access token still works; /auth/me reads the plan from the database.
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["currentPlan"] == "ULTIMATE"
    session = _refresh(rest, account.refresh_token)
    claims = jwt.decode(session["token"], jwt_secret, algorithms=["HS256"], audience="mappr-web")
    assert claims["plan"] == "ULTIMATE"
    now = current(rest, session["token"])["data"]
    assert (now["planId"], now["renewalDate"]) == ("plan_ultimate", sub["renewalDate"])


def test_change_plan__downgrade_within_limits_applies(rest):
    account = sign_up(rest)
    subscribe(rest, account.token, "plan_ultimate", "pm_card_visa")
    data = change_plan(rest, account.token, "plan_pro")["data"]
    assert data["planId"] == "plan_pro"
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["currentPlan"] == "PRO"


def test_change_plan__to_free_stops_renewal(rest):
    account = sign_up(rest)
    subscribe(rest, account.token, "plan_pro", "pm_card_visa")
    change_plan(rest, account.token, "plan_free")
    data = current(rest, account.token)["data"]
    assert (data["planId"], data["renewalDate"], data["autoRenew"]) == ("plan_free", None, False)
    # Back to a paid plan with the payment method on file: a new period starts.
    change_plan(rest, account.token, "plan_pro")
    assert current(rest, account.token)["data"]["renewalDate"] is not None


def test_change_plan__without_subscription_is_404(rest):
    account = sign_up(rest)
    body = change_plan(rest, account.token, "plan_pro", status=404)
    assert_mappr_error(body, code="RESOURCE_NOT_FOUND", status=404)


def test_change_plan__free_record_cannot_become_paid_without_payment_method(rest):
    account = sign_up(rest)
    subscribe(rest, account.token, "plan_free")
    body = change_plan(rest, account.token, "plan_pro", status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert body["details"]["errors"][0]["field"] == "planId"


def test_change_plan__same_plan_is_409_unknown_plan_is_400(rest):
    account = sign_up(rest)
    subscribe(rest, account.token, "plan_pro", "pm_card_visa")
    assert_mappr_error(
        change_plan(rest, account.token, "plan_pro", status=409), code="CONFLICT", status=409
    )
    body = change_plan(rest, account.token, "plan_platinum", status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert body["details"]["errors"][0]["field"] == "planId"
