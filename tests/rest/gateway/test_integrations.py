"""Seed 001 routes 1–3 and 8: the registry, authentication of every integration, and health."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from tests.rest.client import RFC3339_Z, assert_mappr_error, call
from tests.rest.gateway.conftest import RAIL_KEY, config_for, register

HEALTH_KEYS = {"authenticated", "last_check", "status"}


def listing(rest, headers):
    return call(rest, "GET", "/api/v1/banking/integrations", 200, headers=headers)


async def test_register__documented_201_sealed_and_listed(rest, db, stack, admin_headers):
    name = f"Swift_EU_{uuid.uuid4().hex[:6]}"
    body = call(
        rest,
        "POST",
        "/api/v1/banking/integrations",
        201,
        json={"name": name, "type": "SWIFT", "config": config_for("SWIFT", stack.sandbox_url)},
        headers=admin_headers,
    )
    assert body == {"success": True, "message": f"Integration {name} registered successfully"}
    listed = listing(rest, admin_headers)
    assert set(listed) == {"success", "integrations", "health_status"}
    [entry] = [i for i in listed["integrations"] if i["name"] == name]
    # Never authenticated yet: the optional key is absent.
    assert entry == {"name": name, "type": "SWIFT", "status": "ACTIVE"}
    assert RAIL_KEY not in str(listed)
    async with db.transaction() as s:
        stored = await s.scalar(
            text("SELECT config FROM gateway_integrations WHERE name = :n"), {"n": name}
        )
    assert RAIL_KEY not in stored and "api_key" not in stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "ACH", "config": {"api_key": "k"}}, "name"),
        ({"name": "n", "type": "WIRE", "config": {"api_key": "k"}}, "type"),
        ({"name": "n", "type": "ACH"}, "config"),
        ({"name": "n", "type": "ACH", "config": {"api_key": "k"}}, "config.originator_id"),
        (
            {"name": "n", "type": "ACH", "config": {"api_key": "k", "originator_id": {"x": 1}}},
            "config.originator_id",
        ),
        ({"name": "bad name!", "type": "ACH", "config": {}}, "name"),
        (
            {
                "name": "n",
                "type": "SWIFT",
                "config": {"api_key": "k", "bic": "B", "api_base": "ftp://x"},
            },
            "config.api_base",
        ),
    ],
)
def test_register__bad_input_is_400(rest, admin_headers, body, field):
    answer = call(
        rest, "POST", "/api/v1/banking/integrations", 400, json=body, headers=admin_headers
    )
    assert_mappr_error(answer, code="INVALID_INPUT", status=400, details=True)
    assert answer["details"]["errors"][0]["field"] == field


def test_register__a_duplicate_name_is_409(rest, stack, admin_headers):
    name = register(rest, admin_headers, stack, "ACH")
    answer = call(
        rest,
        "POST",
        "/api/v1/banking/integrations",
        409,
        json={"name": name, "type": "ACH", "config": config_for("ACH", stack.sandbox_url)},
        headers=admin_headers,
    )
    assert_mappr_error(answer, code="CONFLICT", status=409)


async def test_authenticate_all__per_name_results_and_health(
    rest, db, stack, admin_headers, service
):
    good = register(rest, service.headers, stack, "ACH")
    plaid = register(rest, service.headers, stack, "PLAID")
    bad = register(rest, service.headers, stack, "SWIFT", api_key="sk_wrong")
    inactive = register(rest, service.headers, stack, "ACH")
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE gateway_integrations SET status = 'INACTIVE' WHERE name = :n"),
            {"n": inactive},
        )
    body = call(
        rest,
        "POST",
        "/api/v1/banking/integrations/authenticate",
        200,
        json={},
        headers=service.headers,
    )
    assert set(body) == {"success", "authentication_results"}
    results = body["authentication_results"]
    assert (results[good], results[plaid], results[bad], results[inactive]) == (
        "AUTHENTICATED",
        "AUTHENTICATED",
        "FAILED",
        "SKIPPED",
    )
    listed = listing(rest, service.headers)
    entries = {i["name"]: i for i in listed["integrations"]}
    assert RFC3339_Z.match(entries[good]["last_authenticated"])
    assert "last_authenticated" not in entries[bad]
    health = listed["health_status"]
    assert set(health[good]) == HEALTH_KEYS and health[good]["status"] == "HEALTHY"
    assert health[good]["authenticated"] is True and RFC3339_Z.match(health[good]["last_check"])
    assert health[bad]["status"] == "UNAVAILABLE" and health[bad]["authenticated"] is False
    assert set(health[bad]) == HEALTH_KEYS | {"message"}
    assert "sk_wrong" not in str(listed)

    public = call(rest, "GET", "/api/v1/banking/health", 200)
    assert public["overall_health"] in ("degraded", "unavailable")
    assert public["integrations"][good]["status"] == "HEALTHY"
    assert inactive not in public["integrations"]
    assert RFC3339_Z.match(public["timestamp"])


async def test_one_slow_rail_does_not_hold_the_others(rest, stack, knobs, service):
    slow = register(rest, service.headers, stack, "SWIFT")
    fast = register(rest, service.headers, stack, "ACH")
    knobs.rails("swift", latency_ms=1500)
    try:
        body = call(
            rest,
            "POST",
            "/api/v1/banking/integrations/authenticate",
            200,
            json={},
            headers=service.headers,
        )
    finally:
        knobs.rails("swift", latency_ms=0)
    assert body["authentication_results"][fast] == "AUTHENTICATED"
    assert body["authentication_results"][slow] == "AUTHENTICATED"
    health = listing(rest, service.headers)["health_status"]
    assert health[slow]["status"] == "DEGRADED" and health[fast]["status"] == "HEALTHY"
