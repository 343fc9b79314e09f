"""Subscription use cases: each mutation runs in one transaction with the user row locked.

Decisions the seed leaves open, taken here:
- A subscription belongs to a user; its plan is copied to users.current_plan in the same
  transaction, which the authenticator reads on every call and the next refreshed access token
  carries as `plan`.
- Without an active subscription the user is on FREE, shown by `current` as a subscription
  without a record (id null, no renewal).
- Upgrades take effect at once; so do downgrades, unless an organization the user owns holds
  more of a counted resource than the smaller plan allows (403 PLAN_LIMIT_EXCEEDED).
- Cancelling takes effect at once: the user drops to FREE, nothing renews. Resources above
  FREE's limits stay (nothing is deleted); new ones cannot be created until under the limit.
- The payment method is checked with the provider before the transaction opens (no row lock
  is held across a network call); only its id is stored.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User
from server.payments.gateway import PaymentGateway
from server.plans import catalog, limits
from server.plans.catalog import Plan
from server.platform.common.validation import Violations
from server.platform.context import Principal
from server.platform.db.database import Database
from server.platform.errors import Conflict, FieldViolation, InvalidInput, NotFound, Unauthenticated
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.errors import FAILURES, translate
from server.subscriptions import repository as repo
from server.subscriptions.models import Subscription

_PAYMENT_METHOD_ID = re.compile(r"^[A-Za-z0-9_]{1,255}$")
_PLAN_IDS = ", ".join(p.id for p in catalog.PLANS)


@dataclass(frozen=True, slots=True)
class CurrentView:
    """What `GET /subscriptions/current` shows; subscription None means FREE without a record."""

    user_id: uuid.UUID
    plan: Plan
    subscription: Subscription | None
    start_date: dt.datetime
    renewal_date: dt.datetime | None
    price: Decimal
    auto_renew: bool
    days_until_renewal: int | None


@dataclass(frozen=True, slots=True)
class Cancelled:
    subscription: Subscription
    cancelled_at: dt.datetime
    last_billing_date: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add_months(value: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    years, month0 = divmod(value.month - 1 + months, 12)
    year, month = value.year + years, month0 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def days_until(renewal: dt.datetime, now: dt.datetime) -> int:
    """Calendar days from today to the renewal day (UTC), never negative."""
    return max(0, (renewal.astimezone(dt.UTC).date() - now.astimezone(dt.UTC).date()).days)


def _plan(v: Violations, plan_id: str) -> Plan | None:
    if not plan_id.strip():
        v.add("planId", "is required")
        return None
    plan = catalog.by_id(plan_id)
    if plan is None:
        v.add("planId", f"must be one of {_PLAN_IDS}")
    return plan


class Subscriptions:
    """The subscription use cases over one database and the payment provider."""

    def __init__(self, db: Database, payments: PaymentGateway):
        self.db = db
        self.payments = payments

    def plans(self) -> tuple[Plan, ...]:
        return catalog.PLANS

    async def current(self, principal: Principal) -> CurrentView:
        async with self.db.transaction() as s:  # one snapshot for the user and the subscription
            user = await repo.get_user(s, principal.user_id)
            active = await repo.active_subscription(s, principal.user_id)
        if user is None:  # deleted while the token lived
            raise Unauthenticated()
        now = _now()
        if active is None:
            return CurrentView(
                user_id=user.id,
                plan=catalog.FREE,
                subscription=None,
                start_date=user.created_at,
                renewal_date=None,
                price=Decimal("0"),
                auto_renew=False,
                days_until_renewal=None,
            )
        return CurrentView(
            user_id=user.id,
            plan=catalog.by_code(active.plan),
            subscription=active,
            start_date=active.start_date,
            renewal_date=active.renewal_date,
            price=active.price,
            auto_renew=active.auto_renew,
            days_until_renewal=(
                days_until(active.renewal_date, now) if active.renewal_date else None
            ),
        )

    async def subscribe(
        self, principal: Principal, *, plan_id: str, payment_method_id: str
    ) -> Subscription:
        """Creates the active subscription (replacing any other) and sets the user's plan."""
        v = Violations()
        plan = _plan(v, plan_id)
        method = payment_method_id.strip()
        if plan is not None and plan.is_paid:
            if not method:
                v.add("paymentMethodId", "is required for a paid plan")
            elif not _PAYMENT_METHOD_ID.match(method):
                v.add("paymentMethodId", "must be a payment method id such as pm_…")
        v.raise_if_any()
        assert plan is not None
        if plan.is_paid:
            await self._verify_payment_method(method)
        now = _now()
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            user = await self._lock_user(s, principal)
            active = await repo.active_subscription(s, user.id)
            if active is not None and active.plan == plan.code:
                raise Conflict("Already subscribed to this plan")
            await self._ensure_fits(s, user, plan)
            if active is not None:
                await repo.end_subscription(s, active, at=now)
            subscription = await repo.add_subscription(
                s,
                user_id=user.id,
                plan=plan.code,
                price=plan.price,
                billing_cycle=plan.billing_cycle,
                start_date=now,
                period_start=now,
                renewal_date=add_months(now, 1) if plan.is_paid else None,
                auto_renew=plan.is_paid,
                payment_method_id=method if plan.is_paid else None,
            )
            await repo.set_user_plan(s, user.id, plan.code)
            work.audit(target_id=subscription.id, changes={"plan": plan.code})
        return subscription

    async def change_plan(
        self, principal: Principal, *, plan_id: str
    ) -> tuple[Subscription, dt.datetime]:
        """Moves the active subscription to another plan at once; (subscription, effective)."""
        v = Violations()
        plan = _plan(v, plan_id)
        v.raise_if_any()
        assert plan is not None
        now = _now()
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            user, active = await self._lock_active(
                s, principal, missing="No active subscription; subscribe to a plan first"
            )
            if active.plan == plan.code:
                raise Conflict("Already on this plan")
            if plan.is_paid and not active.payment_method_id:
                raise InvalidInput(
                    [FieldViolation("planId", "needs a payment method: subscribe to it instead")],
                    message="A paid plan needs a payment method",
                )
            await self._ensure_fits(s, user, plan)
            fields: dict[str, object] = {"plan": plan.code, "price": plan.price}
            if not plan.is_paid:
                fields.update(renewal_date=None, auto_renew=False)
            elif active.renewal_date is None:
                # From FREE back to a paid plan: a new billing period starts now.
                fields.update(period_start=now, renewal_date=add_months(now, 1), auto_renew=True)
            previous = active.plan
            await repo.update_subscription(s, active, **fields)
            await repo.set_user_plan(s, user.id, plan.code)
            work.audit(target_id=active.id, changes={"from": previous, "to": plan.code})
        return active, now

    async def cancel(self, principal: Principal) -> Cancelled:
        """Ends the active subscription now; the user is on FREE from this moment."""
        now = _now()
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            user, active = await self._lock_active(s, principal, missing="No active subscription")
            await repo.end_subscription(s, active, at=now)
            await repo.set_user_plan(s, user.id, catalog.FREE.code)
            work.audit(target_id=active.id)
        return Cancelled(active, cancelled_at=now, last_billing_date=active.period_start)

    async def _verify_payment_method(self, payment_method_id: str) -> None:
        try:
            await self.payments.verify_payment_method(payment_method_id)
        except FAILURES as exc:
            raise translate(exc, field="paymentMethodId") from None

    async def _lock_user(self, s: AsyncSession, principal: Principal) -> User:
        user = await repo.lock_user(s, principal.user_id)
        if user is None:
            raise Unauthenticated()
        return user

    async def _lock_active(
        self, s: AsyncSession, principal: Principal, *, missing: str
    ) -> tuple[User, Subscription]:
        """The caller, locked, and their active subscription; NotFound(missing) without one."""
        user = await self._lock_user(s, principal)
        active = await repo.active_subscription(s, user.id)
        if active is None:
            raise NotFound(missing)
        return user, active

    async def _ensure_fits(self, s: AsyncSession, user: User, plan: Plan) -> None:
        """Refuses a move to a smaller plan that current usage exceeds."""
        if plan.rank >= catalog.by_code(user.current_plan).rank:
            return
        organizations = await limits.owned_organization_ids(s, user.id)
        overages = await limits.exceeded(s, organization_ids=organizations, plan_code=plan.code)
        if overages:
            raise limits.downgrade_refused(plan.code, overages)
