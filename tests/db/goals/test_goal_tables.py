"""The goal tables are tenant tables: the server's role, without any WHERE on the
organization, sees and writes only the organization bound to the transaction."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from server.dev.devstack.postgres import as_role
from server.platform.common.ids import new_id
from server.platform.db.database import Database
from server.platform.db.rls import APP_ROLE
from server.platform.tenancy.session import _SET_ORG
from tests.factories.banking import insert_org

TABLES = ("goals", "goal_milestones", "goal_progress")


@pytest.fixture(scope="module")
async def app_db(stack):
    database = Database(as_role(stack.database_url, APP_ROLE), pool_size=2)
    yield database
    await database.dispose()


async def _goal(db: Database, org: uuid.UUID) -> uuid.UUID:
    """A goal with a milestone and a progress point, written as the schema owner."""
    goal = new_id()
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO goals (id, organization_id, name, category, target_amount,"
                " target_date) VALUES (:id, :org, 'G', 'CUSTOM', 100, current_date + 30)"
            ),
            {"id": goal, "org": org},
        )
        await s.execute(
            text(
                "INSERT INTO goal_milestones (id, organization_id, goal_id, title, target_amount)"
                " VALUES (:id, :org, :goal, 'Half', 50)"
            ),
            {"id": new_id(), "org": org, "goal": goal},
        )
        await s.execute(
            text(
                "INSERT INTO goal_progress (goal_id, month, organization_id, observed_on, amount)"
                " VALUES (:goal, date_trunc('month', current_date), :org, current_date, 10)"
            ),
            {"org": org, "goal": goal},
        )
    return goal


async def test_each_goal_table_shows_only_the_bound_organization(db, app_db):
    (_, org_a), (_, org_b) = await insert_org(db), await insert_org(db)
    goal_a, goal_b = await _goal(db, org_a), await _goal(db, org_b)
    async with app_db.transaction() as s:
        await s.execute(_SET_ORG, {"org": str(org_a)})
        for table in TABLES:
            orgs = set((await s.execute(text(f"SELECT organization_id FROM {table}"))).scalars())
            assert orgs == {org_a}, table
        changed = await s.execute(
            text("UPDATE goals SET name = 'stolen' WHERE id = :id"), {"id": goal_b}
        )
        assert changed.rowcount == 0
        seen = set((await s.execute(text("SELECT id FROM goals"))).scalars())
        assert goal_a in seen and goal_b not in seen
    # Deleting a goal takes its milestones and progress with it.
    async with db.transaction() as s:
        await s.execute(text("DELETE FROM goals WHERE id = :id"), {"id": goal_a})
        for table in ("goal_milestones", "goal_progress"):
            left = await s.execute(
                text(f"SELECT count(*) FROM {table} WHERE goal_id = :id"), {"id": goal_a}
            )
            assert left.scalar_one() == 0, table
