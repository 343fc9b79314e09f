"""The one plan-limit check: every counted create and every downgrade goes through here.

The resources are listed in server/plans/resources.py. A create calls
`ensure_within_limit(..., resource=BUDGETS.name)` inside the transaction that inserts the row.
Exceeding a limit answers 403 PLAN_LIMIT_EXCEEDED with details {current, limit, plan} (seed 004).
Limits apply per organization: the plan is the one of the organization's owner.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User
from server.organizations.models import Organization
from server.plans.catalog import by_code
from server.plans.resources import CATALOG, CountedResource
from server.platform.errors import PlanLimitExceeded
from server.platform.tenancy.session import bind_organization


@dataclass(frozen=True, slots=True)
class Overage:
    """One resource that an organization holds more of than a plan allows."""

    resource: str
    organization_id: uuid.UUID
    current: int
    limit: int


# Resources tests add for a while (tests/db/plans); production code lists its own in CATALOG.
_EXTRA: dict[str, CountedResource] = {}


def register(resource: CountedResource) -> CountedResource:
    """Adds a throwaway resource (tests); a name already counted is a bug."""
    if resource.name in CATALOG or resource.name in _EXTRA:
        raise ValueError(f"counted resource {resource.name!r} is already registered")
    _EXTRA[resource.name] = resource
    return resource


def unregister(name: str) -> None:
    """Removes a throwaway resource."""
    _EXTRA.pop(name, None)


def registered() -> list[CountedResource]:
    every = {**CATALOG, **_EXTRA}
    return [every[name] for name in sorted(every)]


def counted(resource: str) -> CountedResource:
    """The catalog entry of a resource name; an unknown name is a programming error."""
    found = CATALOG.get(resource) or _EXTRA.get(resource)
    if found is None:
        raise KeyError(f"{resource!r} is no counted resource (server/plans/resources.py)")
    return found


async def _lock(session: AsyncSession, resource: str, organization_id: uuid.UUID) -> None:
    # Two concurrent creates could both count limit-1 and both insert; a transaction-scoped
    # advisory lock per (resource, organization) makes count-then-insert atomic. It is released
    # when the caller's transaction ends, so the caller must insert in that same transaction.
    key = f"plan-limit:{resource}:{organization_id}"
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def ensure_within_limit(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    plan_code: str,
    resource: str,
) -> None:
    """Raises PlanLimitExceeded when the organization may not create one more `resource`.

    Call it inside the transaction that then inserts the row (see `_lock`).
    """
    entry = counted(resource)
    plan = by_code(plan_code)
    limit = entry.limit(plan)
    if limit is None:
        return
    await _lock(session, entry.name, organization_id)
    current = await entry.count(session, organization_id)
    if current >= limit:
        raise PlanLimitExceeded(
            f"{entry.title} limit exceeded for your plan",
            details={"current": current, "limit": limit, "plan": plan.code},
        )


async def room(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    plan_code: str,
    resource: str,
) -> int | None:
    """How many more `resource` the organization may create now; None when unlimited.

    For creates that cannot be refused as a whole (a background sync finding new accounts at
    the provider): take what fits, skip the rest. Holds the same lock as
    ensure_within_limit until the caller's transaction ends, so insert in that transaction."""
    entry = counted(resource)
    limit = entry.limit(by_code(plan_code))
    if limit is None:
        return None
    await _lock(session, entry.name, organization_id)
    return max(0, limit - await entry.count(session, organization_id))


async def organization_plan(session: AsyncSession, organization_id: uuid.UUID) -> str:
    """The plan whose limits apply to an organization: its billing owner's."""
    stmt = (
        select(User.current_plan)
        .join(Organization, Organization.owner_id == User.id)
        .where(Organization.id == organization_id)
    )
    return str((await session.execute(stmt)).scalar_one())


async def exceeded(
    session: AsyncSession, *, organization_ids: list[uuid.UUID], plan_code: str
) -> list[Overage]:
    """Every (resource, organization) whose current count is above the plan's limit.

    Holding exactly the limit is allowed (creates stop there); a downgrade is refused only when
    some organization holds more than the smaller plan allows.
    """
    plan = by_code(plan_code)
    found: list[Overage] = []
    for entry in registered():
        limit = entry.limit(plan)
        if limit is None:
            continue
        for organization_id in organization_ids:
            # Counted tables are under row-level security: count as that organization.
            await bind_organization(session, organization_id)
            current = await entry.count(session, organization_id)
            if current > limit:
                found.append(Overage(entry.name, organization_id, current, limit))
    return found


def downgrade_refused(plan_code: str, overages: list[Overage]) -> PlanLimitExceeded:
    """The error for a plan change that current usage exceeds.

    details keeps the documented {current, limit, plan} (of the first overage, `plan` being the
    plan asked for) and adds `resource` and `exceeded`, every overage, so a client can show
    what to remove.
    """
    plan = by_code(plan_code)
    first = overages[0]
    entry = CATALOG.get(first.resource) or _EXTRA.get(first.resource)
    title = entry.title if entry else first.resource
    message = (
        f"{title} limit exceeded for the {plan.name} plan"
        if len(overages) == 1
        else f"Current usage exceeds the limits of the {plan.name} plan"
    )
    details: dict[str, Any] = {
        "current": first.current,
        "limit": first.limit,
        "plan": plan.code,
        "resource": first.resource,
        "exceeded": [
            {
                "resource": o.resource,
                "organizationId": str(o.organization_id),
                "current": o.current,
                "limit": o.limit,
            }
            for o in overages
        ],
    }
    return PlanLimitExceeded(message, details=details)


async def owned_organization_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The organizations whose plan is this user's plan: the ones the user is billing owner
    of (`organizations.owner_id`, the personal one included)."""
    stmt = select(Organization.id).where(Organization.owner_id == user_id)
    return list((await session.execute(stmt)).scalars())
