"""The payment rails sandbox's wire format (server/dev/sandbox/rails.py), as the adapter and
the gateway's tests rely on it: auth, the error bodies, idempotency, the knobs."""

from __future__ import annotations

import uuid

import httpx
import pytest

from server.platform.config import SANDBOX_RAIL_API_KEY

AUTH = {"Authorization": f"Bearer {SANDBOX_RAIL_API_KEY}"}


@pytest.fixture
def http(stack, knobs):
    for rail in ("ach", "swift"):
        knobs.rails(rail, reset=True)
    with httpx.Client(base_url=stack.sandbox_url, timeout=30) as client:
        yield client
    for rail in ("ach", "swift"):
        knobs.rails(rail, reset=True)


def _account(http: httpx.Client, rail: str) -> dict:
    response = http.get(f"/{rail}/v1/customers/{uuid.uuid4()}/accounts", headers=AUTH)
    assert response.status_code == 200
    return response.json()["data"][0]


def _order(account: dict, **fields) -> dict:
    return {
        "amount": "1.00",
        "currency": account["currency"],
        "from_account": account["account_id"],
        "to_account": "ext",
        "description": "x",
        **fields,
    }


def _pay(http: httpx.Client, rail: str, key: str | None, **body) -> httpx.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return http.post(f"/{rail}/v1/payments", headers=headers, json=body)


@pytest.mark.parametrize("rail", ["ach", "swift"])
def test_auth_knows_sandbox_keys_only(http, rail):
    ok = http.get(f"/{rail}/v1/auth", headers=AUTH)
    assert ok.status_code == 200 and ok.json()["ok"] is True and ok.json()["originator"]["id"]
    for headers in ({}, {"Authorization": "Bearer sk_live_x"}, {"Authorization": "Basic eDo="}):
        refused = http.get(f"/{rail}/v1/auth", headers=headers)
        assert refused.status_code == 401
        assert refused.json() == {
            "error": {"code": "unauthorized", "message": "Unknown or missing API key"}
        }


def test_amounts_are_json_numbers_with_two_decimals_at_most(http):
    account = _account(http, "ach")
    for name in ("balance", "available_balance"):
        assert isinstance(account[name], int | float)
        assert round(account[name], 2) == account[name]
    rows = http.get(
        f"/ach/v1/accounts/{account['account_id']}/transactions", headers=AUTH, params={"limit": 3}
    ).json()["data"]
    assert [type(r["amount"]) in (int, float) for r in rows] == [True] * 3


def test_idempotency_replay_conflict_and_lookup(http, knobs):
    account = _account(http, "ach")
    body = _order(account, amount=12.5)  # a number is accepted as well as a string
    key = f"k-{uuid.uuid4()}"
    created = _pay(http, "ach", key, **body)
    assert created.status_code == 201
    payment = created.json()
    assert payment["status"] == "PENDING" and payment["amount"] == "12.50"
    assert payment["idempotency_key"] == key and payment["trace_number"]
    replay = _pay(http, "ach", key, **{**body, "amount": "12.50"})  # the same amount
    assert replay.status_code == 200 and replay.json()["id"] == payment["id"]
    conflict = _pay(http, "ach", key, **{**body, "to_account": "other"})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    found = http.get("/ach/v1/payments", headers=AUTH, params={"idempotency_key": key})
    assert found.status_code == 200 and found.json()["id"] == payment["id"]
    assert found.json()["status"] == "COMPLETED"  # settlement delay 0: the first read settles
    by_id = http.get(f"/ach/v1/payments/{payment['id']}", headers=AUTH)
    assert by_id.json()["status"] == "COMPLETED" and by_id.json()["settled_at"]
    missing = http.get("/ach/v1/payments", headers=AUTH, params={"idempotency_key": "nope"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert knobs.rails("ach")["payments"]["keys"][key] == payment["id"]


def test_refusals_say_not_executed(http):
    account = _account(http, "swift")
    body = _order(account, currency="XYZ", to_account="DE89370400440532013000")
    refused = _pay(http, "swift", f"k-{uuid.uuid4()}", **body)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "payment_refused"
    assert refused.json()["error"]["executed"] is False
    no_key = _pay(http, "swift", None, **{**body, "currency": "EUR"})
    assert no_key.status_code == 400 and no_key.json()["error"]["executed"] is False
    for bad in ({"amount": "1.001"}, {"amount": "-1"}, {"amount": True}, {"description": ""}):
        invalid = _pay(http, "swift", f"k-{uuid.uuid4()}", **{**body, "currency": "EUR", **bad})
        assert invalid.status_code == 400, bad


def test_faults_before_and_after_recording(http, knobs):
    account = _account(http, "ach")
    body = _order(account)
    count = knobs.rails("ach")["payments"]["count"]
    knobs.rails("ach", error_before_submit=1)
    assert _pay(http, "ach", f"k-{uuid.uuid4()}", **body).status_code == 503
    assert knobs.rails("ach")["payments"]["count"] == count
    settings = knobs.rails("ach", error_after_submit=1)
    assert settings["error_before_submit"] == 0 and settings["error_after_submit"] == 1
    assert _pay(http, "ach", f"k-{uuid.uuid4()}", **body).status_code == 503
    assert knobs.rails("ach")["payments"]["count"] == count + 1
    knobs.rails("ach", status_errors=1)
    assert http.get("/ach/v1/payments/x", headers=AUTH).status_code == 503
    assert http.get("/ach/v1/payments/x", headers=AUTH).status_code == 404
    knobs.rails("ach", down=True)
    assert http.get("/ach/v1/auth", headers=AUTH).status_code == 503
    assert http.get("/swift/v1/auth", headers=AUTH).status_code == 200
    assert knobs.rails("ach", reset=True)["down"] is False


def test_knobs_validate_their_input(http):
    assert http.post("/rails/_sandbox/settings", json={"rail": "sepa"}).status_code == 422
    bad = {"rail": "ach", "refuse_next": -1}
    assert http.post("/rails/_sandbox/settings", json=bad).status_code == 422
    assert http.post("/rails/_sandbox/settings", json={"rail": "ach", "down": 1}).status_code == 422
    assert http.get("/rails/_sandbox/settings", params={"rail": "swift"}).json()["rail"] == "swift"


def test_teller_lists_its_institutions_without_auth(http):
    listed = http.get("/teller/institutions")
    assert listed.status_code == 200
    assert {"id": "chase", "name": "Chase"}.items() <= listed.json()[0].items()
