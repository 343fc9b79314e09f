"""Goal use cases, in the organization the tenant interceptor resolved. Every use case that
shows a goal first observes it (server/goals/observe.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.goals import derived, observe
from server.goals import repository as repo
from server.goals.models import Goal, GoalMilestone
from server.plans import limits
from server.plans.resources import GOALS
from server.platform.common.ids import parse_id
from server.platform.common.money import cents
from server.platform.common.pagination import PageRequest, page_request
from server.platform.common.validation import Violations, parse_date
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.errors import NotFound
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork

GOAL_NOT_FOUND = "Goal not found"


@dataclass(frozen=True, slots=True)
class MilestoneInput:
    title: str
    target_amount: float


@dataclass(frozen=True, slots=True)
class NewGoal:
    name: str
    description: str
    target_amount: float
    category: str
    target_date: str
    source_type: str
    source_id: str
    current_amount: float | None
    milestones: list[MilestoneInput]


@dataclass(frozen=True, slots=True)
class GoalChange:
    name: str | None = None
    description: str | None = None
    target_amount: float | None = None
    category: str | None = None
    target_date: str | None = None
    status: str | None = None
    current_amount: float | None = None
    milestones: list[MilestoneInput] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MilestoneView:
    id: uuid.UUID
    title: str
    target_amount: Decimal
    completed: bool
    percent_complete: Decimal


@dataclass(frozen=True, slots=True)
class View:
    goal: Goal
    figures: derived.Derived
    milestones: list[MilestoneView] = field(default_factory=list)
    progress: list[derived.Point] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Listing:
    items: list[View]
    page: PageRequest
    total: int


def _goal_id(raw: str) -> uuid.UUID:
    """An id from the path; one that is no UUID names nothing that exists."""
    found = parse_id(raw)
    if found is None:
        raise NotFound(GOAL_NOT_FOUND)
    return found


def _milestones(
    v: Violations, items: list[MilestoneInput], target: Decimal
) -> list[tuple[str, Decimal]]:
    """The declared rules bound the count, titles and amounts; none may exceed the target."""
    out = []
    for i, m in enumerate(items):
        amount = cents(v, f"milestones[{i}].targetAmount", m.target_amount)
        if amount > target:
            v.add(f"milestones[{i}].targetAmount", "must not exceed the goal's targetAmount")
        out.append((m.title.strip(), amount))
    return out


def _source(v: Violations, data: NewGoal) -> tuple[str, uuid.UUID | None]:
    source_type = (data.source_type or "MANUAL").upper()
    source_id = parse_id(data.source_id) if data.source_id else None
    if source_type == "MANUAL":
        if source_id is not None:
            v.add("sourceId", "must be absent for sourceType MANUAL")
    else:
        if source_id is None:
            v.add("sourceId", f"is required for sourceType {source_type}")
        if data.current_amount is not None:
            v.add("currentAmount", f"follows the source for sourceType {source_type}")
    return source_type, source_id


def _view(
    goal: Goal,
    milestones: list[GoalMilestone] | None = None,
    progress: list[tuple[dt.date, Decimal]] | None = None,
) -> View:
    current = goal.current_amount
    return View(
        goal,
        derived.derive(
            target=goal.target_amount,
            current=current,
            target_date=goal.target_date,
            today=observe.today(),
        ),
        [
            MilestoneView(
                m.id,
                m.title,
                m.target_amount,
                m.completed_at is not None,
                derived.percent(current, m.target_amount),
            )
            for m in milestones or []
        ],
        derived.progress(progress or []),
    )


class Goals:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, data: NewGoal) -> View:
        v = Violations()
        target = cents(v, "targetAmount", data.target_amount)
        current = cents(v, "currentAmount", data.current_amount or 0.0)
        source_type, source_id = _source(v, data)
        milestones = _milestones(v, data.milestones, target) or derived.default_milestones(target)
        v.raise_if_any()
        target_date = parse_date(data.target_date)
        assert target_date is not None  # the declared rule requires a date
        t = tenant()
        async with UnitOfWork(self.db) as work:
            s = work.session
            await limits.ensure_within_limit(
                s, organization_id=t.organization_id, plan_code=t.plan, resource=GOALS.name
            )
            if source_id is not None:
                current = await observe.source_amount(s, source_type, source_id)
            goal = await repo.add_goal(
                s,
                organization_id=t.organization_id,
                created_by=principal().user_id,
                name=data.name.strip(),
                description=data.description.strip() or None,
                category=(data.category or "CUSTOM").upper(),
                target_amount=target,
                target_date=target_date,
                current_amount=current,
                status="IN_PROGRESS",
                source_type=source_type,
                source_id=source_id,
            )
            await repo.replace_milestones(s, goal, milestones)
            (goal,) = await observe.observe(s, [goal])
            work.audit(target_id=goal.id)
            return _view(goal)

    async def listing(
        self, *, status: str, category: str, page: int | None, limit: int | None
    ) -> Listing:
        status, category = status.upper(), category.upper()
        pg = page_request(page, limit)
        async with tenant_transaction(self.db) as s:
            goals = await repo.list_goals(s, tenant().organization_id)
            # Status follows the amounts just observed, so the filters apply after it; an
            # organization's goals are few (the plan caps them).
            goals = await observe.observe(s, goals)
        matched = [
            g
            for g in goals
            if (not status or g.status == status) and (not category or g.category == category)
        ]
        items = [_view(g) for g in matched[pg.offset : pg.offset + pg.limit]]
        return Listing(items=items, page=pg, total=len(matched))

    async def get(self, goal_id: str) -> View:
        gid = _goal_id(goal_id)
        async with tenant_transaction(self.db) as s:
            goal = await repo.get_goal(s, tenant().organization_id, gid, lock=True)
            if goal is None:
                raise NotFound(GOAL_NOT_FOUND)
            (goal,) = await observe.observe(s, [goal])
            milestones = await repo.milestones_of(s, gid)
            return _view(goal, milestones, await repo.progress_of(s, gid))

    async def update(self, goal_id: str, change: GoalChange) -> View:
        gid = _goal_id(goal_id)
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            goal = await repo.get_goal(s, org_id, gid, lock=True)
            if goal is None:
                raise NotFound(GOAL_NOT_FOUND)
            fields, milestones = await self._changes(s, goal, change)
            goal = await repo.update_goal(s, gid, **fields)  # no fields: updatedAt says "now"
            if milestones:
                await repo.replace_milestones(s, goal, milestones)
            requested = change.status.upper() if change.status else None
            (goal,) = await observe.observe(s, [goal], requested=requested)
            work.audit(target_id=gid, changes={k: str(val) for k, val in fields.items()} or None)
            return _view(goal)

    async def _changes(
        self, s: AsyncSession, goal: Goal, change: GoalChange
    ) -> tuple[dict[str, object], list[tuple[str, Decimal]]]:
        """The columns an update sets, and the milestones that replace the old ones (none: keep
        them); default milestones follow a changed target."""
        v = Violations()
        fields: dict[str, object] = {}
        if change.name is not None:
            fields["name"] = change.name.strip()
        if change.description is not None:
            fields["description"] = change.description.strip() or None
        if change.category is not None:
            fields["category"] = change.category.upper()
        if change.target_date is not None:
            fields["target_date"] = parse_date(change.target_date)
        if change.current_amount is not None:
            if goal.source_type != "MANUAL":
                v.add("currentAmount", f"follows the source for sourceType {goal.source_type}")
            fields["current_amount"] = cents(v, "currentAmount", change.current_amount)
        target = goal.target_amount
        if change.target_amount is not None:
            target = fields["target_amount"] = cents(v, "targetAmount", change.target_amount)
        milestones = _milestones(v, change.milestones, target)
        v.raise_if_any()
        if not milestones and target != goal.target_amount:
            stored = [(m.title, m.target_amount) for m in await repo.milestones_of(s, goal.id)]
            if stored == derived.default_milestones(goal.target_amount):
                milestones = derived.default_milestones(target)
        return fields, milestones

    async def delete(self, goal_id: str) -> None:
        gid = _goal_id(goal_id)
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            if not await repo.delete_goal(work.session, org_id, gid):
                raise NotFound(GOAL_NOT_FOUND)
            work.audit(target_id=gid)
