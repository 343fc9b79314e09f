"""GET /api/v1/subscriptions/plans (seed 004 "Get Available Plans"): public, the catalog."""

from tests.rest.client import call

PLAN_KEYS = {"id", "name", "description", "price", "billingCycle", "limits", "features"}
LIMIT_KEYS = {"maxWallets", "maxBankAccounts", "maxBudgets", "maxGoals", "maxAssetAccounts"}


def test_plans__documented_body_without_a_token(rest):
    body = call(rest, "GET", "/api/v1/subscriptions/plans", 200)
    assert set(body) == {"success", "data"} and body["success"] is True
    plans = {p["id"]: p for p in body["data"]}
    assert [p["id"] for p in body["data"]] == ["plan_free", "plan_pro", "plan_ultimate"]
    for p in body["data"]:
        assert set(p) == PLAN_KEYS, p
        assert set(p["limits"]) == LIMIT_KEYS
        assert isinstance(p["price"], int | float) and p["billingCycle"] == "monthly"
        assert p["features"] and all(isinstance(f, str) for f in p["features"])
    free, pro, ultimate = plans["plan_free"], plans["plan_pro"], plans["plan_ultimate"]
    # The seed's example, value for value.
    assert free == {
        "id": "plan_free",
        "name": "Free",
        "description": "Perfect for getting started",
        "price": 0,
        "billingCycle": "monthly",
        "limits": {
            "maxWallets": 3,
            "maxBankAccounts": 2,
            "maxBudgets": 5,
            "maxGoals": 3,
            "maxAssetAccounts": 5,
        },
        "features": [
            "Basic cryptocurrency tracking",
            "Up to 2 bank accounts",
            "Portfolio analytics",
            "Mobile app access",
        ],
    }
    assert (pro["name"], pro["price"]) == ("Pro", 9.99)
    assert pro["limits"] == {
        "maxWallets": 50,
        "maxBankAccounts": 10,
        "maxBudgets": 20,
        "maxGoals": 10,
        "maxAssetAccounts": 20,
    }
    assert "Priority support" in pro["features"]
    # ∞ renders as null (the key is present, not omitted).
    assert ultimate["name"] == "Ultimate" and ultimate["price"] > pro["price"]
    assert ultimate["limits"] == dict.fromkeys(LIMIT_KEYS)
