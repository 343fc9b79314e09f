"""DELETE /api/v1/subscriptions/cancel (seed 004 "Cancel Subscription"): 200 with a body."""

from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, assert_mappr_error, bearer, call
from tests.rest.subscriptions.helpers import cancel, current, subscribe

CANCEL_KEYS = {"id", "status", "cancellationDate", "lastBillingDate", "message"}


def test_cancel__documented_body_and_drop_to_free(rest):
    account = sign_up(rest)
    sub = subscribe(rest, account.token, "plan_pro", "pm_card_visa")["data"]
    body = cancel(rest, account.token)
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert set(data) == CANCEL_KEYS
    assert (data["id"], data["status"], data["message"]) == (
        sub["id"],
        "cancelled",
        "Subscription cancelled",
    )
    assert RFC3339_Z.match(data["cancellationDate"])
    # Billed once, at the start: that is the last billing date.
    assert data["lastBillingDate"] == sub["startDate"]
    assert data["cancellationDate"] >= data["lastBillingDate"]
    now = current(rest, account.token)["data"]
    assert (now["id"], now["planId"]) == (None, "plan_free")
    me = call(rest, "GET", "/api/v1/auth/me", 200, headers=bearer(account.token))
    assert me["data"]["currentPlan"] == "FREE"


def test_cancel__without_subscription_is_404_and_twice_too(rest):
    account = sign_up(rest)
    assert_mappr_error(
        cancel(rest, account.token, status=404), code="RESOURCE_NOT_FOUND", status=404
    )
    subscribe(rest, account.token, "plan_pro", "pm_card_visa")
    cancel(rest, account.token)
    assert_mappr_error(
        cancel(rest, account.token, status=404), code="RESOURCE_NOT_FOUND", status=404
    )


def test_cancel__then_subscribe_again(rest):
    account = sign_up(rest)
    first = subscribe(rest, account.token, "plan_pro", "pm_card_visa")["data"]
    cancel(rest, account.token)
    second = subscribe(rest, account.token, "plan_pro", "pm_card_visa")["data"]
    assert second["id"] != first["id"]
    assert current(rest, account.token)["data"]["id"] == second["id"]
