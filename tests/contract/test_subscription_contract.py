"""The subscription routes are bound once, and the plan-limit error is in the one table."""

import subprocess
import sys

import grpc

from server.platform import errors
from tests.contract.test_routes import ROOT, TOOL

SUBSCRIPTION_ROUTES = [
    "GET /api/v1/subscriptions/plans",
    "GET /api/v1/subscriptions/current",
    "POST /api/v1/subscriptions/subscribe",
    "PUT /api/v1/subscriptions/change-plan",
    "DELETE /api/v1/subscriptions/cancel",
]


def test_route_coverage_binds_the_subscription_routes_once():
    out = subprocess.run(
        [sys.executable, str(TOOL), "protos"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "bound twice" not in out
    missing = {" ".join(line.split()[1:3]) for line in out.splitlines() if "missing" in line}
    assert [route for route in SUBSCRIPTION_ROUTES if route in missing] == []


def test_plan_limit_exceeded_is_403_permission_denied():
    spec = errors.spec_for(errors.PlanLimitExceeded())
    assert (spec.http_status, spec.reason, spec.grpc_code) == (
        403,
        "PLAN_LIMIT_EXCEEDED",
        grpc.StatusCode.PERMISSION_DENIED,
    )
