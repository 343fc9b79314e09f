"""Asset account routes (seed 004 "Net Worth Endpoints": create, list, update, delete), in the
documented shapes, with bad input, plan limits and other organizations."""

from __future__ import annotations

from tests.factories.auth import sign_up
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

ASSETS = "/api/v1/networth/accounts"
SEED_BODY = {
    "name": "Primary Residence",
    "type": "REAL_ESTATE",
    "balance": 350000.00,
    "currency": "USD",
    "assetDescription": "3BR/2BA Single Family Home",
    "originalValue": 300000.00,
    "purchaseDate": "2020-06-15",
    "appreciationRate": 3.5,
    "address": "123 Main Street",
    "city": "San Francisco",
    "state": "CA",
    "country": "USA",
    "postalCode": "94105",
}
CREATED_KEYS = {
    "id",
    "name",
    "type",
    "balance",
    "currency",
    "currentValue",
    "originalValue",
    "gain",
    "gainPercent",
    "purchaseDate",
    "address",
    "createdAt",
}
LIST_KEYS = {"id", "name", "type", "balance", "currency", "currentValue", "createdAt"}
UPDATED_KEYS = {"id", "name", "balance", "currentValue", "updatedAt"}


def create(rest, token, body=None, *, status=201):
    return call(
        rest, "POST", f"{ASSETS}/assets", status, json=body or SEED_BODY, headers=bearer(token)
    )


def test_create__the_documented_example(rest):
    user = sign_up(rest)
    data = create(rest, user.token)["data"]
    assert set(data) == CREATED_KEYS
    assert UUID.match(data["id"]) and RFC3339_Z.match(data["createdAt"])
    assert (data["name"], data["type"], data["currency"]) == (
        "Primary Residence",
        "REAL_ESTATE",
        "USD",
    )
    assert (data["balance"], data["currentValue"], data["originalValue"]) == (
        350000,
        350000,
        300000,
    )
    assert (data["gain"], data["gainPercent"]) == (50000, 16.67)
    assert data["purchaseDate"] == "2020-06-15"
    assert data["address"] == "123 Main Street, San Francisco, CA 94105"


def test_create__only_what_is_required_gives_nulls_not_gaps(rest):
    user = sign_up(rest)
    data = create(rest, user.token, {"name": "Car", "type": "VEHICLE", "balance": 18500.5})["data"]
    assert set(data) == CREATED_KEYS
    assert data["currency"] == "USD" and data["currentValue"] == 18500.5
    for key in ("originalValue", "gain", "gainPercent", "purchaseDate", "address"):
        assert data[key] is None, key
    # An original value of 0 has a gain but no percent of it.
    free = {"name": "Gift", "type": "CUSTOM", "balance": 100, "originalValue": 0, "city": "Oslo"}
    data = create(rest, user.token, free)["data"]
    assert (data["gain"], data["gainPercent"], data["address"]) == (100, None, "Oslo")


def test_create__bad_input_is_refused_and_changes_nothing(rest):
    user = sign_up(rest)
    good = {"name": "Car", "type": "VEHICLE", "balance": 1000}
    for body, field in (
        ({**good, "type": "BOAT"}, "type"),
        ({**good, "balance": -1}, "balance"),
        ({**good, "balance": "lots"}, None),
        ({**good, "name": " "}, "name"),
        ({**good, "currency": "usd"}, "currency"),
        ({**good, "purchaseDate": "2999-01-01"}, "purchaseDate"),
        ({**good, "purchaseDate": "15/06/2020"}, "purchaseDate"),
        ({**good, "originalValue": -5}, "originalValue"),
        ({k: v for k, v in good.items() if k != "type"}, "type"),
    ):
        error = create(rest, user.token, body, status=400)
        assert_mappr_error(error, code="INVALID_INPUT", status=400)
        if field is not None:
            assert field in {e["field"] for e in error["details"]["errors"]}, (body, error)
    listed = call(rest, "GET", ASSETS, 200, headers=bearer(user.token))
    assert listed["pagination"]["total"] == 0


def test_list_update_delete(rest):
    user = sign_up(rest)
    house = create(rest, user.token)["data"]["id"]
    car = create(rest, user.token, {"name": "Car", "type": "VEHICLE", "balance": 7100.67})["data"][
        "id"
    ]
    body = call(rest, "GET", ASSETS, 200, headers=bearer(user.token))
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "pages": 1}
    assert [a["id"] for a in body["data"]] == [house, car]
    assert set(body["data"][0]) == LIST_KEYS
    only_cars = call(rest, "GET", f"{ASSETS}?type=VEHICLE", 200, headers=bearer(user.token))
    assert [a["id"] for a in only_cars["data"]] == [car]
    for query in ("?type=BOAT", "?limit=10000", "?page=0"):
        error = call(rest, "GET", ASSETS + query, 400, headers=bearer(user.token))
        assert_mappr_error(error, code="INVALID_INPUT", status=400)

    change = {"balance": 375000.00, "appreciationRate": 4.0}
    data = call(rest, "PUT", f"{ASSETS}/{house}", 200, json=change, headers=bearer(user.token))[
        "data"
    ]
    assert set(data) == UPDATED_KEYS
    assert (data["id"], data["name"], data["balance"], data["currentValue"]) == (
        house,
        "Primary Residence",
        375000,
        375000,
    )
    assert RFC3339_Z.match(data["updatedAt"])
    error = call(
        rest, "PUT", f"{ASSETS}/{house}", 400, json={"balance": -3}, headers=bearer(user.token)
    )
    assert_mappr_error(error, code="INVALID_INPUT", status=400)

    call(rest, "DELETE", f"{ASSETS}/{car}", 204, headers=bearer(user.token))
    body = call(rest, "GET", ASSETS, 200, headers=bearer(user.token))
    assert [a["id"] for a in body["data"]] == [house]


def test_another_organizations_account_is_404_and_untouched(rest):
    owner, stranger = sign_up(rest), sign_up(rest)
    house = create(rest, owner.token)["data"]["id"]
    for method, body in (("PUT", {"balance": 1}), ("DELETE", None)):
        error = call(
            rest, method, f"{ASSETS}/{house}", 404, json=body, headers=bearer(stranger.token)
        )
        assert_mappr_error(error, code="RESOURCE_NOT_FOUND", status=404, details=False)
        assert error["error"] == "Asset account not found"
    call(rest, "PUT", f"{ASSETS}/not-a-uuid", 404, json={"balance": 1}, headers=bearer(owner.token))
    body = call(rest, "GET", ASSETS, 200, headers=bearer(owner.token))
    assert [(a["id"], a["balance"]) for a in body["data"]] == [(house, 350000)]


def test_the_plan_limit(rest):
    user = sign_up(rest)  # FREE: 5 asset accounts
    for i in range(5):
        create(rest, user.token, {"name": f"Thing {i}", "type": "CUSTOM", "balance": 10})
    error = create(
        rest, user.token, {"name": "One more", "type": "CUSTOM", "balance": 10}, status=403
    )
    assert_mappr_error(error, code="PLAN_LIMIT_EXCEEDED", status=403, details=True)
    assert error["details"] == {"current": 5, "limit": 5, "plan": "FREE"}
    assert error["error"] == "Asset account limit exceeded for your plan"
