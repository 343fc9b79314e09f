"""POST /api/v1/integrations/{provider}/connect (seed 004 "Connect Integration") for PLAID,
through the Plaid sandbox: the item becomes the bank connection the banking routes read."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id
from tests.rest.banking.sandbox import plaid_public_token, wait_for_sync
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call


def connect(rest, token, provider, body, status=201):
    return call(
        rest,
        "POST",
        f"/api/v1/integrations/{provider}/connect",
        status,
        json=body,
        headers=bearer(token),
    )


async def _connection(db, connection_id: str):
    async with db.transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT provider, status, provider_item_id, access_token_sealed,"
                    " institution_id, institution_name, organization_id"
                    " FROM bank_connections WHERE id = :id"
                ),
                {"id": uuid.UUID(connection_id)},
            )
        ).one()


async def test_plaid__documented_201_accounts_stored_and_synced(rest, db, stack):
    user = sign_up(rest)
    code = plaid_public_token(stack.sandbox_url, accounts=["checking", "savings"])
    body = connect(rest, user.token, "PLAID", {"code": code, "state": "state_token"})
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == {"id", "provider", "status", "connectedAt", "message"}
    assert UUID.match(data["id"]) and RFC3339_Z.match(data["connectedAt"])
    assert (data["provider"], data["status"], data["message"]) == (
        "PLAID",
        "ACTIVE",
        "Plaid integration connected successfully",
    )
    conn = await _connection(db, data["id"])
    assert (conn.provider, conn.status, conn.institution_id) == ("PLAID", "ACTIVE", "ins_3")
    assert conn.institution_name and conn.provider_item_id
    assert str(conn.organization_id) == personal_org_id(rest, user.token)
    token = Vault((DEV_ENCRYPTION_KEY,)).unseal(conn.access_token_sealed)
    assert token.startswith("access-") and token not in conn.access_token_sealed

    accounts = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(user.token))
    assert sorted(a["type"] for a in accounts["data"]) == ["CHECKING", "SAVINGS"]
    async with db.transaction() as s:
        stored = await s.execute(
            text("SELECT provider_subtype FROM financial_accounts WHERE connection_id = :c"),
            {"c": data["id"]},
        )
        assert sorted(stored.scalars()) == ["checking", "savings"]
    assert {a["institutionName"] for a in accounts["data"]} == {conn.institution_name}

    assert await wait_for_sync(db, data["id"]) == "SUCCESS"
    txns = call(rest, "GET", "/api/v1/banking/transactions", 200, headers=bearer(user.token))
    assert txns["summary"]["transactionCount"] > 0


async def test_plaid__any_case_and_in_an_organization(rest, db, stack):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    code = plaid_public_token(stack.sandbox_url, accounts=["checking"])
    data = call(
        rest,
        "POST",
        f"/api/v1/organizations/{org}/integrations/plaid/connect",
        201,
        json={"code": code},
        headers=bearer(user.token),
    )["data"]
    assert data["provider"] == "PLAID"
    assert str((await _connection(db, data["id"])).organization_id) == org


async def test_plaid__beyond_the_plans_bank_accounts_is_403_and_stores_nothing(rest, db, stack):
    user = sign_up(rest)  # FREE: 2 bank accounts; the default item has 3
    code = plaid_public_token(stack.sandbox_url)
    body = connect(rest, user.token, "PLAID", {"code": code}, status=403)
    assert_mappr_error(body, code="PLAN_LIMIT_EXCEEDED", status=403, details=True)
    assert body["details"] == {"current": 2, "limit": 2, "plan": "FREE"}
    async with db.transaction() as s:
        held = await s.scalar(
            text("SELECT count(*) FROM bank_connections WHERE organization_id = :o"),
            {"o": uuid.UUID(personal_org_id(rest, user.token))},
        )
    assert held == 0


async def test_plaid__a_public_token_works_once(rest, stack):
    user = sign_up(rest)
    code = plaid_public_token(stack.sandbox_url, accounts=["checking"])
    connect(rest, user.token, "PLAID", {"code": code})
    for bad in (code, "public-sandbox-unknown"):
        body = connect(rest, user.token, "PLAID", {"code": bad}, status=400)
        assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
        assert [e["field"] for e in body["details"]["errors"]] == ["code"]
    body = connect(rest, user.token, "PLAID", {"code": " "}, status=400)
    assert [e["field"] for e in body["details"]["errors"]] == ["code"]


@pytest.mark.parametrize(
    ("provider", "phrase"),
    [
        ("MX", "coming soon"),
        ("TELLER", "/api/v1/banking/connect"),
        ("DROPBOX", "must be one of"),
    ],
)
def test_other_providers_answer_400(rest, provider, phrase):
    user = sign_up(rest)
    body = connect(rest, user.token, provider, {"code": "auth_code", "state": "s"}, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert phrase in body["details"]["errors"][0]["message"]
    assert body["details"]["errors"][0]["field"] == "provider"
