"""PostgreSQL itself keeps tenants apart: queries as the server's role, without any WHERE on
the organization, see and touch only the organization set for the transaction."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.dev.devstack.postgres import as_role
from server.platform.common.ids import new_id
from server.platform.context import CallState, Tenant, call_var
from server.platform.db.database import Database
from server.platform.db.rls import APP_ROLE, ORG_SETTING, bypasses_rls
from server.platform.tenancy.session import _SET_ORG, tenant_reads


@pytest.fixture(scope="module")
async def app_db(stack):
    database = Database(as_role(stack.database_url, APP_ROLE), pool_size=2)
    yield database
    await database.dispose()


async def _org_with_budget(db: Database, name: str) -> tuple[uuid.UUID, uuid.UUID]:
    """An owner, an organization and one budget, written as the schema owner."""
    user, org, budget = new_id(), new_id(), new_id()
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO users (id, email, password_hash, first_name, last_name)"
                " VALUES (:id, :email, 'x', 'R', 'LS')"
            ),
            {"id": user, "email": f"rls-{user.hex}@example.com"},
        )
        await s.execute(
            text(
                "INSERT INTO organizations (id, name, slug, owner_id)"
                " VALUES (:id, :name, :slug, :owner)"
            ),
            {"id": org, "name": name, "slug": f"rls-{org.hex}", "owner": user},
        )
        await s.execute(
            text(
                "INSERT INTO budgets (id, organization_id, name, amount, period, source_type,"
                " start_date, end_date) VALUES (:id, :org, :name, 100, 'MONTHLY', 'ALL',"
                " current_date, current_date + 30)"
            ),
            {"id": budget, "org": org, "name": f"{name} budget"},
        )
    return org, budget


async def test_a_query_without_a_tenant_filter_sees_only_the_current_organization(db, app_db):
    org_a, budget_a = await _org_with_budget(db, "A")
    org_b, budget_b = await _org_with_budget(db, "B")
    async with app_db.transaction() as s:
        await s.execute(_SET_ORG, {"org": str(org_a)})
        seen = set((await s.execute(text("SELECT id FROM budgets"))).scalars())
        assert budget_a in seen and budget_b not in seen
        orgs = set((await s.execute(text("SELECT organization_id FROM budgets"))).scalars())
        assert orgs == {org_a}
        # Writes to the other tenant's rows find nothing to change.
        changed = await s.execute(
            text("UPDATE budgets SET name = 'stolen' WHERE id = :id"), {"id": budget_b}
        )
        assert changed.rowcount == 0
        deleted = await s.execute(text("DELETE FROM budgets WHERE id = :id"), {"id": budget_b})
        assert deleted.rowcount == 0
    async with db.read() as s:
        name = (
            await s.execute(text("SELECT name FROM budgets WHERE id = :id"), {"id": budget_b})
        ).scalar_one()
    assert name == "B budget"


async def test_no_tenant_set_means_no_rows(db, app_db):
    await _org_with_budget(db, "C")
    async with app_db.transaction() as s:
        count = (await s.execute(text("SELECT count(*) FROM budgets"))).scalar_one()
    assert count == 0


async def test_a_row_for_another_organization_cannot_be_written(db, app_db):
    org_a, _ = await _org_with_budget(db, "D")
    org_b, _ = await _org_with_budget(db, "E")
    with pytest.raises(DBAPIError, match="row-level security"):
        async with app_db.transaction() as s:
            await s.execute(_SET_ORG, {"org": str(org_a)})
            await s.execute(
                text(
                    "INSERT INTO budgets (id, organization_id, name, amount, period, source_type,"
                    " start_date, end_date) VALUES (:id, :org, 'planted', 1, 'MONTHLY', 'ALL',"
                    " current_date, current_date + 30)"
                ),
                {"id": new_id(), "org": org_b},
            )


async def test_the_server_role_is_subject_to_rls(app_db):
    async with app_db.read() as s:
        row = (
            await s.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            )
        ).one()
    assert tuple(row) == (False, False)


async def test_the_start_up_check_tells_the_owner_from_the_server_role(db, app_db):
    assert await bypasses_rls(db.engine) is True  # the migrations' role
    assert await bypasses_rls(app_db.engine) is False


def _in_call(organization_id: uuid.UUID) -> None:
    state = CallState(request_id="test", metadata={})
    state.tenant = Tenant(organization_id, "OWNER", is_personal=True, plan="FREE")
    call_var.set(state)


async def test_tenant_reads_sees_only_the_calls_organization_and_cannot_write(db, app_db):
    org_a, budget_a = await _org_with_budget(db, "E")
    _, budget_b = await _org_with_budget(db, "F")
    _in_call(org_a)
    async with tenant_reads(app_db) as conn:
        seen = {row[0] for row in await conn.fetch("SELECT id FROM budgets")}
        assert budget_a in seen and budget_b not in seen
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with tenant_reads(app_db) as conn:
            await conn.execute("DELETE FROM budgets")
    async with db.read() as s:
        left = await s.scalar(text("SELECT count(*) FROM budgets WHERE id = :id"), {"id": budget_a})
    assert left == 1


async def test_a_pooled_connection_never_keeps_a_tenant_binding(app_db):
    """The binding is transaction-local; a connection handed back inside a transaction (here
    one left open on purpose) is discarded rather than pooled."""
    async with app_db.driver() as conn:
        await conn.execute(f"BEGIN; SELECT set_config('{ORG_SETTING}', '{new_id()}', true)")
        left_open = conn
    for _ in range(3):  # the pool's connections in turn
        async with app_db.driver() as conn:
            assert conn is not left_open
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT fingate_current_org()") is None


async def test_a_call_cancelled_mid_statement_leaves_no_busy_connection_in_the_pool(db, app_db):
    org, _ = await _org_with_budget(db, "G")
    _in_call(org)

    async def slow_read() -> None:
        async with tenant_reads(app_db) as conn:
            await conn.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow_read())
    await asyncio.sleep(0.3)  # the statement is running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):  # every pooled connection answers at once, outside any transaction
        async with tenant_reads(app_db) as conn:
            assert await asyncio.wait_for(conn.fetchval("SELECT fingate_current_org()"), 2) == org
