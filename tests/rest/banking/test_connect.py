"""POST /api/v1/banking/preview and /banking/connect (seed 004) through the Teller sandbox."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.encryption import Vault
from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id
from tests.rest.banking.sandbox import enrollment, teller_token, wait_for_sync
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

PREVIEW_ACCOUNT_KEYS = {
    "id",
    "name",
    "type",
    "subtype",
    "balance",
    "currency",
    "lastFour",
    "accountNumber",
    "status",
}
CONNECTED_KEYS = {
    "id",
    "name",
    "type",
    "balance",
    "currency",
    "institutionName",
    "institutionId",
    "lastSyncAt",
    "syncStatus",
    "isActive",
}


def preview(rest, token, body, status=200):
    return call(rest, "POST", "/api/v1/banking/preview", status, json=body, headers=bearer(token))


def connect(rest, token, body, status=201):
    return call(rest, "POST", "/api/v1/banking/connect", status, json=body, headers=bearer(token))


def offered(rest, user_token, enr) -> list[dict]:
    return preview(rest, user_token, {"enrollment": enr})["data"]["accounts"]


async def _connections(db, org_id: str) -> list:
    async with db.transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT id, provider, status, provider_item_id, access_token_sealed,"
                    " institution_id, institution_name FROM bank_connections"
                    " WHERE organization_id = :o"
                ),
                {"o": uuid.UUID(org_id)},
            )
        ).all()


async def test_preview__documented_shape_and_nothing_stored(rest, db):
    user = sign_up(rest)
    enr = enrollment(teller_token(), "enr_abc123")
    body = preview(rest, user.token, {"enrollment": enr})
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == {"institutionName", "institutionId", "enrollmentId", "accounts"}
    assert (data["institutionName"], data["institutionId"], data["enrollmentId"]) == (
        "Chase Bank",
        "chase",
        "enr_abc123",
    )
    kinds = sorted((a["type"], a["subtype"]) for a in data["accounts"])
    assert kinds == [("CHECKING", "checking"), ("SAVINGS", "savings")]
    for account in data["accounts"]:
        assert set(account) == PREVIEW_ACCOUNT_KEYS
        assert account["id"].startswith("acc_")
        assert isinstance(account["balance"], int | float)
        assert account["currency"] == "USD" and account["status"] == "open"
        assert len(account["lastFour"]) == 4 and account["lastFour"].isdigit()
        assert account["accountNumber"] == "****" + account["lastFour"]
    org = personal_org_id(rest, user.token)
    assert await _connections(db, org) == []
    listed = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(user.token))
    assert listed["data"] == []


async def test_preview__refused_token_missing_fields_and_teller_down(rest, knobs):
    user = sign_up(rest)
    body = preview(rest, user.token, {"enrollment": enrollment("live_token_x")}, status=400)
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert [e["field"] for e in body["details"]["errors"]] == ["enrollment.accessToken"]
    body = preview(rest, user.token, {"enrollment": {"enrollment": {}}}, status=400)
    assert {e["field"] for e in body["details"]["errors"]} == {
        "enrollment.accessToken",
        "enrollment.enrollment.id",
        "enrollment.enrollment.institution",
    }
    body = preview(
        rest, user.token, {"enrollment": {"enrollment": {"institution": {}}}}, status=400
    )
    assert "enrollment.enrollment.institution.id" in {e["field"] for e in body["details"]["errors"]}
    token = teller_token()
    knobs.teller(token, server_errors=10)
    body = preview(rest, user.token, {"enrollment": enrollment(token)}, status=503)
    assert_mappr_error(body, code="PROVIDER_ERROR", status=503)


async def test_connect__only_the_selected_accounts_sealed_and_synced(rest, db):
    user = sign_up(rest)
    token = teller_token()
    enr = enrollment(token)
    accounts = offered(rest, user.token, enr)
    checking = next(a for a in accounts if a["type"] == "CHECKING")
    body = connect(rest, user.token, {"enrollment": enr, "selectedAccountIds": [checking["id"]]})
    assert set(body) == {"success", "data"}
    (item,) = body["data"]
    assert set(item) == CONNECTED_KEYS
    assert UUID.match(item["id"])
    assert (item["name"], item["type"], item["balance"], item["currency"]) == (
        checking["name"],
        "CHECKING",
        checking["balance"],
        "USD",
    )
    assert (item["institutionName"], item["institutionId"]) == ("Chase Bank", "chase")
    assert (item["lastSyncAt"], item["syncStatus"], item["isActive"]) == (None, "pending", True)

    org = personal_org_id(rest, user.token)
    (conn,) = await _connections(db, org)
    assert (conn.provider, conn.status, conn.provider_item_id) == (
        "TELLER",
        "ACTIVE",
        enr["enrollment"]["id"],
    )
    assert token not in conn.access_token_sealed
    assert Vault((DEV_ENCRYPTION_KEY,)).unseal(conn.access_token_sealed) == token
    async with db.transaction() as s:
        sealed_numbers = (
            await s.execute(
                text("SELECT account_number_sealed FROM financial_accounts WHERE id = :id"),
                {"id": uuid.UUID(item["id"])},
            )
        ).scalar_one()
        audit = await s.scalar(
            text(
                "SELECT count(*) FROM audit_log WHERE action = 'bank_connection.link'"
                " AND target_id = :t"
            ),
            {"t": str(conn.id)},
        )
    assert sealed_numbers is None or checking["lastFour"] not in sealed_numbers
    assert audit == 1

    # The first (full) sync runs in the worker: the account's transactions arrive.
    assert await wait_for_sync(db, str(conn.id)) == "SUCCESS"
    listed = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(user.token))
    assert [a["id"] for a in listed["data"]] == [item["id"]]
    assert listed["data"][0]["syncStatus"] == "completed"
    assert RFC3339_Z.match(listed["data"][0]["lastSyncAt"])
    txns = call(rest, "GET", "/api/v1/banking/transactions", 200, headers=bearer(user.token))
    assert txns["summary"]["transactionCount"] > 0
    assert {t["accountId"] for t in txns["data"]} == {item["id"]}


async def test_connect__same_enrollment_reuses_its_connection(rest, db):
    user = sign_up(rest)
    enr = enrollment(teller_token())
    ids = sorted(a["id"] for a in offered(rest, user.token, enr))
    first = connect(rest, user.token, {"enrollment": enr, "selectedAccountIds": ids[:1]})["data"]
    both = connect(rest, user.token, {"enrollment": enr, "selectedAccountIds": ids})["data"]
    again = connect(rest, user.token, {"enrollment": enr, "selectedAccountIds": ids})["data"]
    assert first[0]["id"] in {a["id"] for a in both}
    assert [a["id"] for a in again] == [a["id"] for a in both]
    org = personal_org_id(rest, user.token)
    assert len(await _connections(db, org)) == 1
    listed = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(user.token))
    assert listed["pagination"]["total"] == 2


async def test_connect__selection_is_checked(rest, db):
    user = sign_up(rest)
    enr = enrollment(teller_token())
    known = offered(rest, user.token, enr)[0]["id"]
    for selected, field in (
        ([], "selectedAccountIds"),
        (["acc_not_mine"], "selectedAccountIds"),
        ([known, "acc_not_mine"], "selectedAccountIds"),
        ([""], "selectedAccountIds[0]"),
    ):
        body = connect(
            rest, user.token, {"enrollment": enr, "selectedAccountIds": selected}, status=400
        )
        assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
        assert [e["field"] for e in body["details"]["errors"]] == [field]
    assert await _connections(db, personal_org_id(rest, user.token)) == []


async def test_connect__beyond_the_plans_bank_accounts_is_403(rest, db):
    user = sign_up(rest)  # FREE: maxBankAccounts 2
    first = enrollment(teller_token())
    ids = [a["id"] for a in offered(rest, user.token, first)]
    connect(rest, user.token, {"enrollment": first, "selectedAccountIds": ids})
    second = enrollment(teller_token())
    more = [offered(rest, user.token, second)[0]["id"]]
    body = connect(rest, user.token, {"enrollment": second, "selectedAccountIds": more}, status=403)
    assert_mappr_error(body, code="PLAN_LIMIT_EXCEEDED", status=403, details=True)
    assert body["details"] == {"current": 2, "limit": 2, "plan": "FREE"}
    # Nothing of the refused link stays; reconnecting what is held is no new account.
    org = personal_org_id(rest, user.token)
    assert len(await _connections(db, org)) == 1
    connect(rest, user.token, {"enrollment": first, "selectedAccountIds": ids})


async def test_connect__in_an_organization_by_its_editor(rest, db, mail_dir):
    from tests.factories.organizations import make_team

    team = make_team(rest, mail_dir)
    enr = enrollment(teller_token())
    ids = [offered(rest, team.editor.token, enr)[0]["id"]]
    path = f"/api/v1/organizations/{team.org_id}/banking/connect"
    call(
        rest,
        "POST",
        path,
        403,
        json={"enrollment": enr, "selectedAccountIds": ids},
        headers=bearer(team.viewer.token),
    )
    made = call(
        rest,
        "POST",
        path,
        201,
        json={"enrollment": enr, "selectedAccountIds": ids},
        headers=bearer(team.editor.token),
    )["data"]
    listed = call(
        rest,
        "GET",
        f"/api/v1/organizations/{team.org_id}/banking/accounts",
        200,
        headers=bearer(team.viewer.token),
    )
    assert [a["id"] for a in listed["data"]] == [made[0]["id"]]
    (conn,) = await _connections(db, team.org_id)
    assert conn.provider == "TELLER"


async def test_connect__cached_connection_and_account_lists_show_the_link_at_once(rest, db):
    user = sign_up(rest)
    headers = bearer(user.token)
    # Both lists are read (and cached) before the link.
    assert call(rest, "GET", "/api/v1/banking/connections", 200, headers=headers)["data"] == []
    before = call(rest, "GET", "/api/v1/accounts", 200, headers=headers)
    enr = enrollment(teller_token())
    ids = [offered(rest, user.token, enr)[0]["id"]]
    made = connect(rest, user.token, {"enrollment": enr, "selectedAccountIds": ids})["data"]
    listed = call(rest, "GET", "/api/v1/banking/connections", 200, headers=headers)["data"]
    assert [c["provider"] for c in listed] == ["TELLER"]
    after = call(rest, "GET", "/api/v1/accounts", 200, headers=headers)
    assert made[0]["id"] not in str(before) and made[0]["id"] in str(after)
