"""Calls to the subscription routes that assert their status."""

from typing import Any

import httpx

from tests.rest.client import bearer, call

SUBSCRIPTION_PATH = "/api/v1/subscriptions"


def subscribe(
    rest: httpx.Client,
    token: str,
    plan_id: str,
    payment_method_id: str | None = None,
    *,
    status: int = 201,
) -> Any:
    body = {"planId": plan_id}
    if payment_method_id is not None:
        body["paymentMethodId"] = payment_method_id
    return call(
        rest, "POST", f"{SUBSCRIPTION_PATH}/subscribe", status, json=body, headers=bearer(token)
    )


def change_plan(rest: httpx.Client, token: str, plan_id: str, *, status: int = 200) -> Any:
    return call(
        rest,
        "PUT",
        f"{SUBSCRIPTION_PATH}/change-plan",
        status,
        json={"planId": plan_id},
        headers=bearer(token),
    )


def current(rest: httpx.Client, token: str, *, status: int = 200) -> Any:
    return call(rest, "GET", f"{SUBSCRIPTION_PATH}/current", status, headers=bearer(token))


def cancel(rest: httpx.Client, token: str, *, status: int = 200) -> Any:
    return call(rest, "DELETE", f"{SUBSCRIPTION_PATH}/cancel", status, headers=bearer(token))
