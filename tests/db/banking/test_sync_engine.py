"""The sync engine against the provider sandbox, writing as the server's role: a first sync,
incremental changes, re-syncs without duplicates, and each kind of provider failure."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from server.banking.sync import engine
from server.platform.common.ids import new_id
from server.platform.jobs.app import Runtime
from server.providers.base import ProviderUnavailable
from tests.factories.banking import VAULT, insert_org, plaid_connection, set_plan

PER_ACCOUNT = 25
# Checking, savings and a credit card (the sandbox's default item).
ACCOUNTS = 3


@pytest.fixture(scope="module")
def runtime(app_db, provider_settings) -> Runtime:
    return Runtime(db=app_db, settings=provider_settings)


async def _sync(runtime, org, connection, sync_type="incremental"):
    return await engine.sync(
        runtime, organization_id=org, connection_id=connection, sync_type=sync_type, job_id=None
    )


async def _one(db, sql: str, **params):
    async with db.transaction() as s:
        return (await s.execute(text(sql), params)).one()


async def _count(db, connection) -> tuple[int, int]:
    return tuple(
        await _one(
            db,
            "SELECT count(*), count(DISTINCT (t.account_id, t.provider_transaction_id))"
            " FROM bank_transactions t JOIN financial_accounts a ON a.id = t.account_id"
            " WHERE a.connection_id = :c",
            c=connection,
        )
    )


async def test_a_first_sync_brings_accounts_and_every_transaction(db, runtime, plaid_provider):
    org, connection, _ = await plaid_connection(db, plaid_provider)
    result = await _sync(runtime, org, connection, "full")
    assert (result.accounts, result.added) == (ACCOUNTS, ACCOUNTS * PER_ACCOUNT)
    assert await _count(db, connection) == (ACCOUNTS * PER_ACCOUNT,) * 2
    status, last_sync, cursor, errors = await _one(
        db,
        "SELECT last_sync_status, last_sync_at, sync_cursor, error_count"
        " FROM bank_connections WHERE id = :c",
        c=connection,
    )
    assert (status, errors) == ("SUCCESS", 0) and last_sync is not None and cursor
    state = await _one(
        db, "SELECT status, added FROM bank_sync_states WHERE connection_id = :c", c=connection
    )
    assert tuple(state) == ("SUCCESS", ACCOUNTS * PER_ACCOUNT)
    log = await _one(
        db, "SELECT status, added FROM bank_sync_logs WHERE connection_id = :c", c=connection
    )
    assert tuple(log) == ("SUCCESS", ACCOUNTS * PER_ACCOUNT)
    accounts = await _one(
        db,
        "SELECT count(*) FILTER (WHERE sync_status = 'completed'),"
        " count(*) FILTER (WHERE account_number_sealed IS NOT NULL)"
        " FROM financial_accounts WHERE connection_id = :c",
        c=connection,
    )
    assert accounts[0] == ACCOUNTS and accounts[1] >= 2  # depository accounts have numbers


async def test_new_accounts_join_only_as_far_as_the_plan_allows(db, runtime, plaid_provider):
    # A FREE organization (2 bank accounts) whose Plaid item holds 3: the sync keeps going,
    # stores 2 accounts and their transactions only, and its log says what was left out.
    org, connection, _ = await plaid_connection(db, plaid_provider, plan="FREE")
    result = await _sync(runtime, org, connection, "full")
    assert (result.accounts, result.over_plan) == (2, 1)
    assert result.added == 2 * PER_ACCOUNT
    assert await _count(db, connection) == (2 * PER_ACCOUNT,) * 2
    log = await _one(
        db,
        "SELECT status, error_code, error_message FROM bank_sync_logs WHERE connection_id = :c",
        c=connection,
    )
    assert tuple(log[:2]) == ("SUCCESS", "PLAN_LIMIT_EXCEEDED") and "1 new bank account" in log[2]
    # Upgraded, the next sync brings the third.
    (owner,) = await _one(db, "SELECT owner_id FROM organizations WHERE id = :o", o=org)
    await set_plan(db, owner, "PRO")
    again = await _sync(runtime, org, connection, "full")
    assert (again.accounts, again.over_plan) == (ACCOUNTS, 0)
    assert await _count(db, connection) == (ACCOUNTS * PER_ACCOUNT,) * 2


async def test_incremental_changes_and_a_full_resync_never_duplicate(
    db, runtime, plaid_provider, knobs
):
    org, connection, token = await plaid_connection(db, plaid_provider)
    await _sync(runtime, org, connection, "full")
    change = knobs.advance(token, added=2, posted=1, modified=1, removed=1)
    result = await _sync(runtime, org, connection)
    assert result.added == len(change["added"])
    assert result.modified == len(change["modified"])
    expected = ACCOUNTS * PER_ACCOUNT + len(change["added"]) - len(change["removed"])
    assert await _count(db, connection) == (expected, expected)
    posted = await _one(
        db,
        "SELECT count(*) FROM bank_transactions WHERE provider_transaction_id = ANY(:ids)",
        ids=change["removed"],
    )
    assert posted[0] == 0  # removed and replaced pending transactions are gone
    again = await _sync(runtime, org, connection, "full")
    assert again.pages >= 1
    assert await _count(db, connection) == (expected, expected)


async def test_mutation_during_pagination_restarts_and_completes(
    db, runtime, plaid_provider, knobs
):
    org, connection, token = await plaid_connection(
        db, plaid_provider, transactions={"count_per_account": 400}
    )
    knobs.plaid_faults(token, sync_mutations=1)
    result = await _sync(runtime, org, connection, "full")
    assert result.pages >= 3
    assert await _count(db, connection) == (ACCOUNTS * 400,) * 2


async def test_login_required_disconnects_the_connection(db, runtime, plaid_provider, knobs):
    org, connection, token = await plaid_connection(db, plaid_provider)
    knobs.plaid("/sandbox/item/reset_login", token)
    await _sync(runtime, org, connection)  # not retried: the user must act
    row = await _one(
        db,
        "SELECT status, last_sync_status, error_count, last_error"
        " FROM bank_connections WHERE id = :c",
        c=connection,
    )
    assert tuple(row[:3]) == ("DISCONNECTED", "FAILED", 1)
    assert row[3].startswith("ITEM_LOGIN_REQUIRED")
    assert token not in row[3]
    log = await _one(
        db, "SELECT status, error_code FROM bank_sync_logs WHERE connection_id = :c", c=connection
    )
    assert tuple(log) == ("FAILED", "ITEM_LOGIN_REQUIRED")
    # A disconnected connection is skipped by later jobs.
    assert (await _sync(runtime, org, connection)).skipped


async def test_a_removed_item_fails_the_connection_for_good(db, runtime, plaid_provider):
    org, connection, token = await plaid_connection(db, plaid_provider)
    await plaid_provider.remove(token)
    await _sync(runtime, org, connection)
    row = await _one(db, "SELECT status FROM bank_connections WHERE id = :c", c=connection)
    assert row[0] == "FAILED"


async def test_an_outage_is_counted_then_retried_to_success(db, runtime, plaid_provider, knobs):
    org, connection, token = await plaid_connection(db, plaid_provider)
    knobs.plaid_faults(token, server_errors=1)
    with pytest.raises(ProviderUnavailable):
        await _sync(runtime, org, connection)  # the job queue retries it
    row = await _one(
        db,
        "SELECT status, last_sync_status, error_count FROM bank_connections WHERE id = :c",
        c=connection,
    )
    assert tuple(row) == ("ACTIVE", "FAILED", 1)
    await _sync(runtime, org, connection)
    row = await _one(
        db,
        "SELECT last_sync_status, error_count, last_error FROM bank_connections WHERE id = :c",
        c=connection,
    )
    assert tuple(row) == ("SUCCESS", 0, None)
    assert await _count(db, connection) == (ACCOUNTS * PER_ACCOUNT,) * 2


async def test_a_teller_connection_keeps_only_its_selected_accounts(db, runtime, teller_provider):
    token = f"test_token_{uuid.uuid4().hex}"
    accounts = await teller_provider.accounts(token)
    checking = next(a for a in accounts if a.type == "CHECKING")
    user, org = await insert_org(db)
    connection = new_id()
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO bank_connections (id, organization_id, user_id, provider,"
                " provider_item_id, access_token_sealed)"
                " VALUES (:id, :org, :user, 'TELLER', 'enr_1', :token)"
            ),
            {"id": connection, "org": org, "user": user, "token": VAULT.seal(token)},
        )
        await s.execute(
            text(
                "INSERT INTO financial_accounts (id, organization_id, connection_id,"
                " provider_account_id, name, type, subtype)"
                " VALUES (:id, :org, :c, :pid, 'Checking', 'CHECKING', 'checking')"
            ),
            {"id": new_id(), "org": org, "c": connection, "pid": checking.provider_account_id},
        )
    result = await _sync(runtime, org, connection, "full")
    assert result.accounts == 1 and result.added > 0
    again = await _sync(runtime, org, connection, "full")
    count = await _count(db, connection)
    assert count[0] == count[1] == result.added == again.added
