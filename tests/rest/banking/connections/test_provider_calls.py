"""The connection routes that call a provider, against the test stack's sandbox (its own
process, as the providers are in production): reconnect's grant check and its refusals, the
full sync it queues, and delete's revocation, also through a provider outage."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from server.banking.models import BankSyncState
from server.platform.audit.models import AuditEntry
from server.providers.base import AccessRevoked
from tests.factories.auth import sign_up
from tests.factories.banking import insert_connection
from tests.factories.organizations import personal_org_id
from tests.rest.banking.connections.helpers import assert_connection_shape
from tests.rest.banking.sandbox import finished_job, plaid_link, teller_token
from tests.rest.client import assert_mappr_error, bearer, call

BASE = "/api/v1/banking/connections"
RECONNECTED = "Connection reconnected successfully. Full sync will begin automatically."


@pytest.fixture
def owner(rest):
    user = sign_up(rest)
    return user, personal_org_id(rest, user.token)


async def _revocation_job(db, cid: uuid.UUID) -> int:
    async with db.transaction() as s:
        job_id = await s.scalar(
            text(
                "SELECT id FROM procrastinate_jobs WHERE task_name = 'banking.revoke_access' "
                "AND args->>'connection_id' = :cid"
            ),
            {"cid": str(cid)},
        )
    assert job_id is not None
    return int(job_id)


async def test_reconnect_checks_the_grant_resets_errors_and_queues_a_full_sync(
    rest, db, stack, owner, plaid_provider
):
    user, org = owner
    link = await plaid_link(plaid_provider)
    cid = await insert_connection(
        db,
        org,
        user.user["id"],
        status="DISCONNECTED",
        access_token=link.access_token,
        item_id=link.item_id,
        last_error="ITEM_LOGIN_REQUIRED",
        error_count=4,
    )
    headers = bearer(user.token)
    # A cached read before: the reconnect must drop it.
    assert call(rest, "GET", f"{BASE}/{cid}", 200, headers=headers)["data"]["status"] == (
        "DISCONNECTED"
    )
    body = call(rest, "POST", f"{BASE}/{cid}/reconnect", 200, json={}, headers=headers)
    assert set(body) == {"success", "message", "data"}
    assert body["success"] is True and body["message"] == RECONNECTED
    data = body["data"]
    assert_connection_shape(data)
    assert (data["status"], data["errorCount"], data["lastError"]) == ("ACTIVE", 0, None)
    assert data["plaidItemId"] == link.item_id
    assert call(rest, "GET", f"{BASE}/{cid}", 200, headers=headers)["data"]["status"] == "ACTIVE"
    async with db.transaction() as s:
        state = await s.scalar(select(BankSyncState).where(BankSyncState.connection_id == cid))
        actions = (
            await s.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(cid)))
        ).all()
    assert state is not None and state.sync_type == "full" and state.job_id
    assert actions == ["bank_connection.reconnect"]
    # Nothing secret was rendered or logged.
    assert link.access_token not in str(body)
    assert link.access_token not in stack.server_log()


@pytest.mark.parametrize("provider", ["PLAID", "TELLER"])
async def test_reconnect_with_expired_credentials_is_refused(
    rest, db, owner, provider, plaid_provider, knobs
):
    user, org = owner
    if provider == "PLAID":
        link = await plaid_link(plaid_provider)
        token, item = link.access_token, link.item_id
        knobs.plaid("/sandbox/item/reset_login", token)
        name = "Plaid"
    else:
        token, item = teller_token(), f"enr_{uuid.uuid4().hex[:12]}"
        knobs.teller(token, disconnected=True)
        name = "Teller"
    cid = await insert_connection(
        db,
        org,
        user.user["id"],
        provider=provider,
        status="DISCONNECTED",
        access_token=token,
        item_id=item,
    )
    response = rest.post(f"{BASE}/{cid}/reconnect", json={}, headers=bearer(user.token))
    assert response.status_code == 400, response.text
    body = response.json()
    assert_mappr_error(body, code="CONNECTION_ALREADY_EXISTS", status=400)
    assert body["error"] == f"{name} access token has expired. Please re-link your account."
    got = call(rest, "GET", f"{BASE}/{cid}", 200, headers=bearer(user.token))["data"]
    assert got["status"] == "DISCONNECTED"


async def test_reconnect_of_a_removed_grant_is_refused_as_expired(rest, db, owner, plaid_provider):
    user, org = owner
    link = await plaid_link(plaid_provider)
    await plaid_provider.remove(link.access_token)
    cid = await insert_connection(
        db,
        org,
        user.user["id"],
        status="DISCONNECTED",
        access_token=link.access_token,
        item_id=link.item_id,
    )
    response = rest.post(f"{BASE}/{cid}/reconnect", json={}, headers=bearer(user.token))
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Plaid access token has expired. Please re-link your account."
    )


async def test_reconnect_during_a_provider_outage_is_503_and_changes_nothing(
    rest, db, owner, plaid_provider, knobs
):
    user, org = owner
    link = await plaid_link(plaid_provider)
    knobs.plaid_faults(link.access_token, server_errors=1)
    cid = await insert_connection(
        db,
        org,
        user.user["id"],
        status="DISCONNECTED",
        access_token=link.access_token,
        item_id=link.item_id,
    )
    response = rest.post(f"{BASE}/{cid}/reconnect", json={}, headers=bearer(user.token))
    assert response.status_code == 503, response.text
    assert_mappr_error(response.json(), code="PROVIDER_ERROR", status=503)
    got = call(rest, "GET", f"{BASE}/{cid}", 200, headers=bearer(user.token))["data"]
    assert got["status"] == "DISCONNECTED"
    # The outage is over: the same request now succeeds.
    call(rest, "POST", f"{BASE}/{cid}/reconnect", 200, json={}, headers=bearer(user.token))


async def test_delete_revokes_the_grant_at_the_provider(rest, db, owner, plaid_provider):
    user, org = owner
    link = await plaid_link(plaid_provider)
    cid = await insert_connection(
        db, org, user.user["id"], access_token=link.access_token, item_id=link.item_id
    )
    call(rest, "DELETE", f"{BASE}/{cid}", 200, headers=bearer(user.token))
    assert await finished_job(db, await _revocation_job(db, cid)) == ("succeeded", 1)
    with pytest.raises(AccessRevoked):
        await plaid_provider.check(link.access_token)


async def test_a_provider_outage_neither_blocks_the_delete_nor_leaves_access_alive(
    rest, db, owner, knobs, teller_provider
):
    user, org = owner
    token = teller_token()
    knobs.teller(token, server_errors=1)
    cid = await insert_connection(db, org, user.user["id"], provider="TELLER", access_token=token)
    call(rest, "DELETE", f"{BASE}/{cid}", 200, headers=bearer(user.token))
    # The first attempt met the outage; the retry revoked the enrollment.
    status, attempts = await finished_job(db, await _revocation_job(db, cid))
    assert (status, attempts) == ("succeeded", 2)
    with pytest.raises(AccessRevoked):
        await teller_provider.check(token)
