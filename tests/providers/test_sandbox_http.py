"""The sandbox's wire format, as the providers' own APIs answer (what the adapters rely on)."""

from __future__ import annotations

import base64
import uuid

import httpx
import pytest

from server.platform.config import SANDBOX_PLAID_CLIENT_ID, SANDBOX_PLAID_SECRET

KEYS = {"client_id": SANDBOX_PLAID_CLIENT_ID, "secret": SANDBOX_PLAID_SECRET}
PLAID_ERROR_KEYS = {"error_type", "error_code", "error_message", "display_message", "request_id"}


@pytest.fixture(scope="module")
def http(stack):
    with httpx.Client(base_url=stack.sandbox_url, timeout=30) as client:
        yield client


def plaid_item(http: httpx.Client, **options) -> str:
    public = http.post(
        "/plaid/sandbox/public_token/create",
        json={
            **KEYS,
            "institution_id": "ins_3",
            "initial_products": ["transactions"],
            "options": options,
        },
    ).json()["public_token"]
    return http.post(
        "/plaid/item/public_token/exchange", json={**KEYS, "public_token": public}
    ).json()["access_token"]


def test_plaid_needs_keys(http):
    response = http.post("/plaid/accounts/get", json={"access_token": "x"})
    assert response.status_code == 400
    body = response.json()
    assert PLAID_ERROR_KEYS <= set(body)
    assert (body["error_type"], body["error_code"]) == ("INVALID_INPUT", "INVALID_API_KEYS")


def test_plaid_sync_count_is_at_most_500(http):
    token = plaid_item(http)
    response = http.post(
        "/plaid/transactions/sync", json={**KEYS, "access_token": token, "count": 501}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_FIELD"


def test_plaid_sync_shape(http):
    token = plaid_item(http, transactions={"count_per_account": 2})
    body = http.post(
        "/plaid/transactions/sync", json={**KEYS, "access_token": token, "count": 500}
    ).json()
    assert set(body) >= {
        "added",
        "modified",
        "removed",
        "next_cursor",
        "has_more",
        "accounts",
        "request_id",
        "transactions_update_status",
    }
    assert len(body["added"]) == 6 and body["has_more"] is False
    txn = body["added"][0]
    assert isinstance(txn["amount"], float)
    assert set(txn["personal_finance_category"]) >= {"primary", "detailed"}
    assert txn["date"] == txn["date"][:10]


def test_plaid_bad_cursor(http):
    token = plaid_item(http)
    response = http.post(
        "/plaid/transactions/sync", json={**KEYS, "access_token": token, "cursor": "bm9wZQ"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_FIELD"


def test_plaid_login_required_body_and_item_get(http):
    token = plaid_item(http)
    http.post("/plaid/sandbox/item/reset_login", json={**KEYS, "access_token": token})
    response = http.post("/plaid/accounts/get", json={**KEYS, "access_token": token})
    assert response.status_code == 400
    body = response.json()
    assert (body["error_type"], body["error_code"]) == ("ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
    item = http.post("/plaid/item/get", json={**KEYS, "access_token": token}).json()["item"]
    assert item["error"]["error_code"] == "ITEM_LOGIN_REQUIRED"
    assert item["institution_id"] == "ins_3"


def test_plaid_server_error_statuses(http):
    token = plaid_item(http)
    http.post(
        "/plaid/sandbox/item/faults", json={**KEYS, "access_token": token, "server_errors": 1}
    )
    response = http.post("/plaid/accounts/get", json={**KEYS, "access_token": token})
    assert (response.status_code, response.json()["error_code"]) == (500, "INTERNAL_SERVER_ERROR")
    http.post(
        "/plaid/sandbox/item/faults",
        json={
            **KEYS,
            "access_token": token,
            "server_errors": 1,
            "server_error_code": "PLANNED_MAINTENANCE",
        },
    )
    response = http.post("/plaid/accounts/get", json={**KEYS, "access_token": token})
    assert (response.status_code, response.json()["error_code"]) == (503, "PLANNED_MAINTENANCE")
    assert http.post("/plaid/accounts/get", json={**KEYS, "access_token": token}).is_success


def teller_auth(token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}


def test_teller_auth(http):
    missing = http.get("/teller/accounts")
    assert missing.status_code == 401
    assert set(missing.json()["error"]) == {"code", "message"}
    assert http.get("/teller/accounts", headers=teller_auth("live_abc")).status_code == 401


def test_teller_listing_pages_with_from_id(http):
    token = f"test_token_{uuid.uuid4().hex}"
    headers = teller_auth(token)
    accounts = http.get("/teller/accounts", headers=headers).json()
    assert {a["subtype"] for a in accounts} == {"checking", "savings"}
    account = accounts[0]
    assert account["institution"] == {"id": "chase", "name": "Chase"}
    assert account["enrollment_id"].startswith("enr_")
    url = f"/teller/accounts/{account['id']}/transactions"
    everything = http.get(url, headers=headers).json()
    assert len(everything) == 25
    first = http.get(url, params={"count": 10}, headers=headers).json()
    rest = http.get(url, params={"count": 100, "from_id": first[-1]["id"]}, headers=headers)
    assert [t["id"] for t in first + rest.json()] == [t["id"] for t in everything]
    txn = everything[0]
    assert isinstance(txn["amount"], str) and txn["status"] in ("pending", "posted")
    balances = http.get(f"/teller/accounts/{account['id']}/balances", headers=headers).json()
    assert isinstance(balances["ledger"], str) and isinstance(balances["available"], str)
    details = http.get(f"/teller/accounts/{account['id']}/details", headers=headers).json()
    assert details["account_number"].endswith(account["last_four"])
    assert details["routing_numbers"]["ach"]


def test_teller_delete_one_account(http):
    token = f"test_token_{uuid.uuid4().hex}"
    headers = teller_auth(token)
    first, second = http.get("/teller/accounts", headers=headers).json()
    assert http.delete(f"/teller/accounts/{first['id']}", headers=headers).status_code == 204
    assert http.get(f"/teller/accounts/{first['id']}", headers=headers).status_code == 404
    assert [a["id"] for a in http.get("/teller/accounts", headers=headers).json()] == [second["id"]]


def test_plaid_answers_fit_plaid_pythons_models(stack):
    """Every answer the adapter reads as JSON also deserializes into plaid-python's models,
    as Plaid's own do (the models require fields such as transaction_code)."""
    import plaid
    from plaid.api import plaid_api
    from plaid.model.accounts_get_request import AccountsGetRequest
    from plaid.model.auth_get_request import AuthGetRequest
    from plaid.model.country_code import CountryCode
    from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
    from plaid.model.institutions_get_by_id_request_options import (
        InstitutionsGetByIdRequestOptions,
    )
    from plaid.model.item_get_request import ItemGetRequest
    from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
    from plaid.model.products import Products
    from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
    from plaid.model.transactions_sync_request import TransactionsSyncRequest

    configuration = plaid.Configuration(
        host=f"{stack.sandbox_url}/plaid",
        api_key={"clientId": SANDBOX_PLAID_CLIENT_ID, "secret": SANDBOX_PLAID_SECRET},
    )
    api = plaid_api.PlaidApi(plaid.ApiClient(configuration))
    public = api.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109511", initial_products=[Products("transactions")]
        )
    ).public_token
    token = api.item_public_token_exchange(
        ItemPublicTokenExchangeRequest(public_token=public)
    ).access_token
    assert len(api.accounts_get(AccountsGetRequest(access_token=token)).accounts) == 3
    assert len(api.auth_get(AuthGetRequest(access_token=token)).numbers.ach) == 2
    assert api.item_get(ItemGetRequest(access_token=token)).item.institution_id == "ins_109511"
    institution = api.institutions_get_by_id(
        InstitutionsGetByIdRequest(
            institution_id="ins_109511",
            country_codes=[CountryCode("US")],
            options=InstitutionsGetByIdRequestOptions(include_optional_metadata=True),
        )
    ).institution
    assert institution.name == "Tartan Bank"
    page = api.transactions_sync(TransactionsSyncRequest(access_token=token, count=10))
    assert len(page.added) == 10 and page.has_more
