"""GET /api/v1/subscriptions/current (seed 004 "Get Current Subscription")."""

from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, call
from tests.rest.subscriptions.helpers import current, subscribe

CURRENT_KEYS = {
    "id",
    "userId",
    "planId",
    "planName",
    "status",
    "startDate",
    "renewalDate",
    "price",
    "billingCycle",
    "autoRenew",
    "daysUntilRenewal",
    "features",
}


def test_current__paid_subscription_documented_body(rest):
    account = sign_up(rest)
    sub = subscribe(rest, account.token, "plan_pro", "pm_card_visa")["data"]
    body = current(rest, account.token)
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert set(data) == CURRENT_KEYS
    assert data["id"] == sub["id"] and UUID.match(data["id"])
    assert data["userId"] == account.user["id"]
    assert (data["planId"], data["planName"], data["status"]) == ("plan_pro", "Pro", "active")
    assert (data["startDate"], data["renewalDate"]) == (sub["startDate"], sub["renewalDate"])
    assert (data["price"], data["billingCycle"], data["autoRenew"]) == (9.99, "monthly", True)
    assert isinstance(data["daysUntilRenewal"], int) and 27 <= data["daysUntilRenewal"] <= 31
    # The seed example's feature keys.
    assert {"unlimited_wallets", "defi_tracking", "bank_integration"} <= set(data["features"])


def test_current__never_subscribed_is_free_without_a_record(rest):
    account = sign_up(rest)
    data = current(rest, account.token)["data"]
    assert set(data) == CURRENT_KEYS
    assert data["id"] is None and data["renewalDate"] is None and data["daysUntilRenewal"] is None
    assert (data["planId"], data["planName"], data["status"]) == ("plan_free", "Free", "active")
    assert (data["price"], data["autoRenew"]) == (0, False)
    assert data["startDate"] == account.user["createdAt"] and RFC3339_Z.match(data["startDate"])
    assert data["features"] and "defi_tracking" not in data["features"]


def test_current__needs_a_token(rest):
    body = call(rest, "GET", "/api/v1/subscriptions/current", 401)
    assert_mappr_error(body, code="UNAUTHORIZED", status=401)
