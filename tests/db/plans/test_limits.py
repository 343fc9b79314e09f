"""The plan-limit helper on a real PostgreSQL, with a throwaway counted resource.

The resource counts users whose email is at `<organization id>.limits.test`: each test's
"organization" is a fresh UUID, so its count is exactly the users the test creates.
"""

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from server.auth import repository as auth_repo
from server.auth.models import User
from server.plans import limits
from server.plans.catalog import PLANS
from server.platform.errors import PlanLimitExceeded


async def _count_users(session, organization_id):
    domain = f"%@{organization_id}.limits.test"
    stmt = select(func.count()).select_from(User).where(User.email.like(domain))
    return int((await session.execute(stmt)).scalar_one())


@pytest.fixture
def resource():
    name = f"widgets_{uuid.uuid4().hex[:8]}"
    counted = limits.register(
        limits.CountedResource(
            name=name,
            limit=lambda plan: {"FREE": 2, "PRO": 4}.get(plan.code),  # ULTIMATE: unlimited
            count=_count_users,
            label="Widget",
        )
    )
    yield counted
    limits.unregister(name)


async def _add(session, organization_id):
    await auth_repo.add_user(
        session,
        email=f"{uuid.uuid4().hex[:10]}@{organization_id}.limits.test",
        password_hash="x",
        first_name="A",
        last_name="B",
    )


async def _fill(db, organization_id, n):
    async with db.transaction() as s:
        for _ in range(n):
            await _add(s, organization_id)


async def test_under_the_limit_passes(db, resource):
    org = uuid.uuid4()
    await _fill(db, org, 1)
    async with db.transaction() as s:
        await limits.ensure_within_limit(
            s, organization_id=org, plan_code="FREE", resource=resource.name
        )


async def test_at_the_limit_raises_with_current_limit_plan(db, resource):
    org = uuid.uuid4()
    await _fill(db, org, 2)
    async with db.transaction() as s:
        with pytest.raises(PlanLimitExceeded) as caught:
            await limits.ensure_within_limit(
                s, organization_id=org, plan_code="FREE", resource=resource.name
            )
    assert caught.value.details == {"current": 2, "limit": 2, "plan": "FREE"}
    assert caught.value.message == "Widget limit exceeded for your plan"
    # The same usage fits a bigger plan, and an unlimited one.
    async with db.transaction() as s:
        await limits.ensure_within_limit(
            s, organization_id=org, plan_code="PRO", resource=resource.name
        )


async def test_unlimited_plan_never_raises(db, resource):
    org = uuid.uuid4()
    await _fill(db, org, 6)  # above every finite limit
    async with db.transaction() as s:
        await limits.ensure_within_limit(
            s, organization_id=org, plan_code="ULTIMATE", resource=resource.name
        )


async def test_concurrent_creates_cannot_pass_the_limit_together(db, resource):
    org = uuid.uuid4()
    await _fill(db, org, 1)  # one slot left on FREE

    async def create():
        try:
            async with db.transaction() as s:
                await limits.ensure_within_limit(
                    s, organization_id=org, plan_code="FREE", resource=resource.name
                )
                await _add(s, org)
            return True
        except PlanLimitExceeded:
            return False

    results = await asyncio.gather(*(create() for _ in range(4)))
    assert results.count(True) == 1
    async with db.read() as s:
        assert await _count_users(s, org) == 2


async def test_exceeded_lists_only_organizations_above_the_limit(db, resource):
    over, at, under = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await _fill(db, over, 3)
    await _fill(db, at, 2)
    await _fill(db, under, 1)
    async with db.read() as s:
        found = await limits.exceeded(s, organization_ids=[over, at, under], plan_code="FREE")
        assert await limits.exceeded(s, organization_ids=[over], plan_code="ULTIMATE") == []
    mine = [o for o in found if o.resource == resource.name]
    assert mine == [limits.Overage(resource.name, over, 3, 2)]


async def test_downgrade_refused_details(db, resource):
    org = uuid.uuid4()
    overages = [limits.Overage(resource.name, org, 3, 2)]
    error = limits.downgrade_refused("FREE", overages)
    assert error.message == "Widget limit exceeded for the Free plan"
    assert error.details == {
        "current": 3,
        "limit": 2,
        "plan": "FREE",
        "resource": resource.name,
        "exceeded": [
            {"resource": resource.name, "organizationId": str(org), "current": 3, "limit": 2}
        ],
    }


def test_register_twice_is_refused(resource):
    with pytest.raises(ValueError):
        limits.register(resource)


def test_titles_are_derived_from_names():
    titles = {
        n: limits.CountedResource(name=n, limit=lambda p: None, count=_count_users).title
        for n in ["wallets", "bank_accounts", "budgets", "goals", "asset_accounts"]
    }
    assert titles == {
        "wallets": "Wallet",
        "bank_accounts": "Bank account",
        "budgets": "Budget",
        "goals": "Goal",
        "asset_accounts": "Asset account",
    }
    assert [p.code for p in PLANS] == ["FREE", "PRO", "ULTIMATE"]
