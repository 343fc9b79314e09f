"""Bank connections through Envoy (seed 000 + list, detail, disconnect): shapes, the reconnect
refusals that need no provider, access rules, cascade delete, audit, cache.

Rows come from tests/factories/banking.py (written as the schema owner); the routes read and
change them as the caller's organization under RLS.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import insert, select, text, update

from server.banking.models import BankConnection, BankSyncLog, BankSyncState
from server.platform.audit.models import AuditEntry
from server.platform.common.ids import new_id
from tests.factories.auth import sign_up
from tests.factories.banking import Txn, insert_account, insert_connection, insert_transactions
from tests.factories.organizations import make_team, personal_org_id
from tests.rest.banking.connections.helpers import assert_connection_shape, count_rows
from tests.rest.client import assert_mappr_error, bearer, call

BASE = "/api/v1/banking/connections"
NOT_FOUND = "Provider connection not found"
NO_ACCESS = "You do not have access to this connection"
NOT_DISCONNECTED = (
    "Connection is not disconnected. Only disconnected connections can be reconnected."
)


def _error(response, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert_mappr_error(body, code=code, status=status)
    if message is not None:
        assert body["error"] == message


def _mutations(cid: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("POST", f"{BASE}/{cid}/reconnect", {}),
        ("POST", f"{BASE}/{cid}/disconnect", {}),
        ("DELETE", f"{BASE}/{cid}", None),
    ]


@pytest.fixture
def owner(rest):
    user = sign_up(rest)
    return user, personal_org_id(rest, user.token)


async def test_get_renders_seed_000_data_with_nulls(rest, db, owner):
    user, org = owner
    cid = await insert_connection(
        db, org, user.user["id"], institution_name="Chase Bank", auto_sync=True
    )
    body = call(rest, "GET", f"{BASE}/{cid}", 200, headers=bearer(user.token))
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert_connection_shape(data)
    assert data["id"] == str(cid)
    assert data["userId"] == user.user["id"]
    assert data["organizationId"] == org
    assert data["provider"] == "PLAID" and data["status"] == "ACTIVE"
    assert data["plaidInstitutionId"] == "ins_3" and data["institutionName"] == "Chase Bank"
    # Never synced, never failed: explicit nulls, as the document shows them.
    assert data["lastSyncAt"] is None and data["lastError"] is None
    assert data["institutionLogo"] is None and data["institutionUrl"] is None
    assert (data["lastSyncStatus"], data["autoSync"], data["syncFrequency"]) == (
        "PENDING",
        True,
        "6h",
    )
    assert data["errorCount"] == 0
    assert "accessToken" not in json.dumps(body) and "access-sandbox" not in json.dumps(body)


async def test_list_is_newest_first_paginated_and_filtered(rest, db, owner):
    user, org = owner
    first = await insert_connection(db, org, user.user["id"])
    second = await insert_connection(db, org, user.user["id"], status="DISCONNECTED")
    headers = bearer(user.token)
    body = call(rest, "GET", BASE, 200, headers=headers)
    assert set(body) == {"success", "data", "pagination"}
    assert [c["id"] for c in body["data"]] == [str(second), str(first)]
    for c in body["data"]:
        assert_connection_shape(c)
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "pages": 1}
    page = call(rest, "GET", f"{BASE}?page=2&limit=1", 200, headers=headers)
    assert [c["id"] for c in page["data"]] == [str(first)]
    assert page["pagination"] == {"page": 2, "limit": 1, "total": 2, "pages": 2}
    active = call(rest, "GET", f"{BASE}?status=ACTIVE", 200, headers=headers)
    assert [c["id"] for c in active["data"]] == [str(first)]
    _error(rest.get(f"{BASE}?status=SLEEPING", headers=headers), 400, "INVALID_INPUT")
    _error(rest.get(f"{BASE}?limit=101", headers=headers), 400, "INVALID_INPUT")


async def test_disconnect_makes_it_disconnected_then_refuses(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"])
    headers = bearer(user.token)
    body = call(rest, "POST", f"{BASE}/{cid}/disconnect", 200, json={}, headers=headers)
    assert set(body) == {"success", "message", "data"}
    assert body["success"] is True
    assert body["message"] == "Connection disconnected successfully"
    assert_connection_shape(body["data"])
    assert body["data"]["status"] == "DISCONNECTED"
    again = rest.post(f"{BASE}/{cid}/disconnect", json={}, headers=headers)
    _error(again, 400, "CONNECTION_NOT_ACTIVE")
    assert "disconnected" in again.json()["error"]


@pytest.mark.parametrize("status", ["ACTIVE", "FAILED"])
async def test_reconnect_refuses_a_connection_that_is_not_disconnected(rest, db, owner, status):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"], status=status)
    response = rest.post(f"{BASE}/{cid}/reconnect", json={}, headers=bearer(user.token))
    _error(response, 400, "CONNECTION_ALREADY_EXISTS", NOT_DISCONNECTED)


@pytest.mark.parametrize(("provider", "name"), [("PLAID", "Plaid"), ("TELLER", "Teller")])
async def test_reconnect_refuses_when_the_item_has_another_active_connection(
    rest, db, owner, provider, name
):
    user, org = owner
    item = f"item-{uuid.uuid4().hex}"
    await insert_connection(db, org, user.user["id"], provider=provider, item_id=item)
    old = await insert_connection(
        db, org, user.user["id"], provider=provider, item_id=item, status="DISCONNECTED"
    )
    response = rest.post(f"{BASE}/{old}/reconnect", json={}, headers=bearer(user.token))
    _error(
        response,
        400,
        "CONNECTION_ALREADY_EXISTS",
        f"An active connection already exists for this {name} account",
    )


async def test_unknown_malformed_and_foreign_ids_are_404_everywhere(rest, db, owner):
    user, _ = owner
    stranger = sign_up(rest)
    foreign = await insert_connection(
        db, personal_org_id(rest, stranger.token), stranger.user["id"]
    )
    headers = bearer(user.token)
    for cid in (str(new_id()), "not-a-uuid", str(foreign)):
        _error(rest.get(f"{BASE}/{cid}", headers=headers), 404, "CONNECTION_NOT_FOUND", NOT_FOUND)
        for method, path, body in _mutations(cid):
            response = rest.request(method, path, json=body, headers=headers)
            _error(response, 404, "CONNECTION_NOT_FOUND", NOT_FOUND)
    # The stranger's connection is untouched and not listed for the caller.
    listed = call(rest, "GET", BASE, 200, headers=headers)
    assert str(foreign) not in {c["id"] for c in listed["data"]}
    mine = call(rest, "GET", f"{BASE}/{foreign}", 200, headers=bearer(stranger.token))
    assert mine["data"]["status"] == "ACTIVE"


async def test_only_the_linking_member_and_owners_may_change_a_connection(rest, db, mail_dir):
    team = make_team(rest, mail_dir)
    owners = await insert_connection(db, team.org_id, team.owner.user["id"])
    org_q = f"?organizationId={team.org_id}"
    # Every member reads it.
    for member in (team.owner, team.editor, team.viewer):
        body = call(rest, "GET", f"{BASE}/{owners}{org_q}", 200, headers=bearer(member.token))
        assert body["data"]["userId"] == team.owner.user["id"]
    # An EDITOR who did not link it: 403 with the documented message; a VIEWER: 403 too.
    for method, path, body in _mutations(str(owners)):
        response = rest.request(method, path + org_q, json=body, headers=bearer(team.editor.token))
        _error(response, 403, "FORBIDDEN", NO_ACCESS)
        response = rest.request(method, path + org_q, json=body, headers=bearer(team.viewer.token))
        _error(response, 403, "FORBIDDEN")
    # The EDITOR's own connection: the EDITOR may change it, and so may the OWNER.
    editors = await insert_connection(db, team.org_id, team.editor.user["id"])
    headers = {"X-Organization-Id": team.org_id}
    call(
        rest,
        "POST",
        f"{BASE}/{editors}/disconnect",
        200,
        json={},
        headers={**headers, **bearer(team.editor.token)},
    )
    response = rest.post(
        f"{BASE}/{editors}/reconnect", json={}, headers={**headers, **bearer(team.viewer.token)}
    )
    _error(response, 403, "FORBIDDEN")
    call(rest, "DELETE", f"{BASE}/{editors}", 200, headers={**headers, **bearer(team.owner.token)})
    # The organization-path variant names the same organization.
    call(
        rest,
        "POST",
        f"/api/v1/organizations/{team.org_id}/banking/connections/{owners}/disconnect",
        200,
        json={},
        headers=bearer(team.owner.token),
    )


async def test_delete_cascades_in_all_five_tables_and_queues_a_sealed_revocation(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"], access_token="access-sandbox-secret")
    keep = await insert_connection(db, org, user.user["id"])
    for connection in (cid, keep):
        account = await insert_account(db, org, connection)
        day = dt.datetime(2025, 1, 20, tzinfo=dt.UTC)
        await insert_transactions(db, org, account, [Txn("-4.50", day), Txn("-12.00", day)])
        async with db.transaction() as s:
            ids = {"organization_id": uuid.UUID(org), "connection_id": connection}
            await s.execute(insert(BankSyncState).values(id=new_id(), **ids))
            await s.execute(
                insert(BankSyncLog).values(id=new_id(), sync_type="full", status="SUCCESS", **ids)
            )
    before = await count_rows(db, cid)
    assert before == {
        "bank_connections": 1,
        "financial_accounts": 1,
        "bank_transactions": 2,
        "bank_sync_states": 1,
        "bank_sync_logs": 1,
    }
    kept = await count_rows(db, keep)
    body = call(rest, "DELETE", f"{BASE}/{cid}", 200, headers=bearer(user.token))
    assert body == {"success": True, "message": "Connection deleted successfully"}
    assert set((await count_rows(db, cid)).values()) == {0}
    assert await count_rows(db, keep) == kept
    _error(rest.get(f"{BASE}/{cid}", headers=bearer(user.token)), 404, "CONNECTION_NOT_FOUND")
    _error(rest.delete(f"{BASE}/{cid}", headers=bearer(user.token)), 404, "CONNECTION_NOT_FOUND")
    async with db.transaction() as s:
        jobs = (
            await s.execute(
                text(
                    "SELECT args, lock FROM procrastinate_jobs "
                    "WHERE task_name = 'banking.revoke_access' AND args->>'connection_id' = :cid"
                ),
                {"cid": str(cid)},
            )
        ).all()
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.target_id == str(cid)))).all()
    assert len(jobs) == 1
    args, lock = jobs[0]
    assert args["provider"] == "PLAID" and lock == f"bank-sync:{cid}"
    # Job arguments are stored as plain JSON: the token travels sealed.
    assert "access-sandbox-secret" not in json.dumps(args)
    assert args["sealed_token"]
    assert [a.action for a in audit] == ["bank_connection.delete"]
    assert audit[0].organization_id == uuid.UUID(org)


async def test_disconnect_writes_audit_and_reads_see_it_at_once(rest, db, owner):
    user, org = owner
    cid = await insert_connection(db, org, user.user["id"])
    headers = bearer(user.token)
    # Reads fill the cache (connectionId:… and user:…:connections) …
    assert call(rest, "GET", f"{BASE}/{cid}", 200, headers=headers)["data"]["status"] == "ACTIVE"
    listed = call(rest, "GET", BASE, 200, headers=headers)["data"]
    assert [c["status"] for c in listed] == ["ACTIVE"]
    call(rest, "POST", f"{BASE}/{cid}/disconnect", 200, json={}, headers=headers)
    # … and the change invalidated both.
    got = call(rest, "GET", f"{BASE}/{cid}", 200, headers=headers)["data"]
    assert got["status"] == "DISCONNECTED"
    listed = call(rest, "GET", BASE, 200, headers=headers)["data"]
    assert [c["status"] for c in listed] == ["DISCONNECTED"]
    call(rest, "DELETE", f"{BASE}/{cid}", 200, headers=headers)
    _error(rest.get(f"{BASE}/{cid}", headers=headers), 404, "CONNECTION_NOT_FOUND")
    assert call(rest, "GET", BASE, 200, headers=headers)["data"] == []
    async with db.transaction() as s:
        actions = (
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target_id == str(cid))
                .order_by(AuditEntry.occurred_at, AuditEntry.id)
            )
        ).all()
    assert actions == ["bank_connection.disconnect", "bank_connection.delete"]


async def test_a_refused_reconnect_changes_nothing(rest, db, owner):
    user, org = owner
    item = "item-twin"
    await insert_connection(db, org, user.user["id"], item_id=item)
    old = await insert_connection(db, org, user.user["id"], item_id=item, status="DISCONNECTED")
    async with db.transaction() as s:
        await s.execute(
            update(BankConnection)
            .where(BankConnection.id == old)
            .values(last_error="ITEM_LOGIN_REQUIRED", error_count=3)
        )
    rest.post(f"{BASE}/{old}/reconnect", json={}, headers=bearer(user.token))
    data = call(rest, "GET", f"{BASE}/{old}", 200, headers=bearer(user.token))["data"]
    assert (data["status"], data["lastError"], data["errorCount"]) == (
        "DISCONNECTED",
        "ITEM_LOGIN_REQUIRED",
        3,
    )
