"""Subscriptions repository and domain on a real PostgreSQL."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.auth import repository as auth_repo
from server.auth.models import User
from server.payments.gateway import PaymentGateway
from server.plans import limits
from server.platform.config import SANDBOX_PAYMENTS_API_KEY
from server.platform.context import Principal
from server.platform.errors import PlanLimitExceeded
from server.subscriptions import repository as repo
from server.subscriptions.domain import Subscriptions
from server.subscriptions.models import Subscription
from tests.factories.auth import unique_email


async def _user(db):
    async with db.transaction() as s:
        return await auth_repo.add_user(
            s, email=unique_email(), password_hash="x", first_name="A", last_name="B"
        )


def _fields(user_id, plan="PRO"):
    now = dt.datetime.now(dt.UTC)
    return {
        "user_id": user_id,
        "plan": plan,
        "price": Decimal("9.99"),
        "billing_cycle": "monthly",
        "start_date": now,
        "period_start": now,
        "renewal_date": now + dt.timedelta(days=30),
        "auto_renew": True,
        "payment_method_id": "pm_card_visa",
    }


async def test_one_active_subscription_per_user_is_enforced_by_the_database(db):
    user = await _user(db)
    async with db.transaction() as s:
        await repo.add_subscription(s, **_fields(user.id))
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await repo.add_subscription(s, **_fields(user.id, plan="ULTIMATE"))


async def test_ended_subscriptions_stay_as_history(db):
    user = await _user(db)
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as s:
        first = await repo.add_subscription(s, **_fields(user.id))
        await repo.end_subscription(s, first, at=now)
        second = await repo.add_subscription(s, **_fields(user.id, plan="ULTIMATE"))
        await repo.set_user_plan(s, user.id, "ULTIMATE")
    async with db.transaction() as s:
        active = await repo.active_subscription(s, user.id)
        rows = (
            await s.execute(
                select(Subscription.status, func.count())
                .where(Subscription.user_id == user.id)
                .group_by(Subscription.status)
            )
        ).all()
        plan = (await s.execute(select(User.current_plan).where(User.id == user.id))).scalar_one()
    assert active is not None and active.id == second.id
    assert dict(rows) == {"active": 1, "cancelled": 1}
    assert plan == "ULTIMATE"
    assert first.status == "cancelled" and first.cancelled_at == now and not first.auto_renew


async def test_plan_check_constraint(db):
    user = await _user(db)
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await repo.add_subscription(s, **_fields(user.id, plan="GOLD"))


@pytest.fixture
async def subscriptions(db, stack):
    gateway = PaymentGateway(
        api_base=stack.sandbox_url, api_key=SANDBOX_PAYMENTS_API_KEY, timeout_s=10
    )
    yield Subscriptions(db, gateway)
    await gateway.close()


async def test_downgrade_that_usage_exceeds_is_refused_and_changes_nothing(
    db, subscriptions, monkeypatch
):
    user = await _user(db)
    principal = Principal(user.id, uuid.uuid4(), user.email, "USER", "FREE")
    sub = await subscriptions.subscribe(
        principal, plan_id="plan_pro", payment_method_id="pm_card_visa"
    )
    # Organizations come with the tenancy work; until then the user "owns" an organization
    # whose id is its own, holding 4 of a throwaway resource (FREE allows 1, PRO 10).
    monkeypatch.setattr(limits, "owned_organization_ids", _owns_itself)
    name = f"gadgets_{uuid.uuid4().hex[:8]}"

    async def four(session, organization_id):
        return 4 if organization_id == user.id else 0

    limits.register(
        limits.CountedResource(
            name=name, limit=lambda p: {"FREE": 1, "PRO": 10}.get(p.code), count=four
        )
    )
    try:
        with pytest.raises(PlanLimitExceeded) as caught:
            await subscriptions.change_plan(principal, plan_id="plan_free")
        with pytest.raises(PlanLimitExceeded):
            await subscriptions.subscribe(principal, plan_id="plan_free", payment_method_id="")
        # Upgrades are never refused.
        await subscriptions.change_plan(principal, plan_id="plan_ultimate")
    finally:
        limits.unregister(name)
    details = caught.value.details
    assert {k: details[k] for k in ("current", "limit", "plan", "resource")} == {
        "current": 4,
        "limit": 1,
        "plan": "FREE",
        "resource": name,
    }
    assert details["exceeded"] == [
        {"resource": name, "organizationId": str(user.id), "current": 4, "limit": 1}
    ]
    async with db.transaction() as s:
        active = await repo.active_subscription(s, user.id)
        plan = (await s.execute(select(User.current_plan).where(User.id == user.id))).scalar_one()
    assert active is not None and active.id == sub.id
    assert (active.plan, plan) == ("ULTIMATE", "ULTIMATE")


async def _owns_itself(session, user_id):
    return [user_id]
