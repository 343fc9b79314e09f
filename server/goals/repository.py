"""SQL of goals. Every function runs in a tenant transaction, where RLS shows only the current
organization's rows; the explicit organization filters are the first line, RLS the second."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.goals.models import Goal, GoalMilestone, GoalProgress
from server.platform.common.ids import new_id


async def add_goal(s: AsyncSession, **fields: Any) -> Goal:
    goal = Goal(id=new_id(), **fields)
    s.add(goal)
    await s.flush()
    await s.refresh(goal)
    return goal


async def list_goals(s: AsyncSession, organization_id: uuid.UUID) -> list[Goal]:
    stmt = (
        select(Goal)
        .where(Goal.organization_id == organization_id)
        .order_by(Goal.created_at.desc(), Goal.id.desc())
    )
    return list((await s.execute(stmt)).scalars())


async def get_goal(
    s: AsyncSession, organization_id: uuid.UUID, goal_id: uuid.UUID, *, lock: bool = False
) -> Goal | None:
    stmt = select(Goal).where(Goal.organization_id == organization_id, Goal.id == goal_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await s.execute(stmt)).scalar_one_or_none()


async def update_goal(s: AsyncSession, goal_id: uuid.UUID, **fields: Any) -> Goal:
    stmt = update(Goal).where(Goal.id == goal_id).values(**fields).returning(Goal)
    return (await s.execute(stmt.execution_options(populate_existing=True))).scalar_one()


async def delete_goal(s: AsyncSession, organization_id: uuid.UUID, goal_id: uuid.UUID) -> bool:
    stmt = (
        delete(Goal)
        .where(Goal.organization_id == organization_id, Goal.id == goal_id)
        .returning(Goal.id)
    )
    return (await s.execute(stmt)).scalar_one_or_none() is not None


async def replace_milestones(
    s: AsyncSession, goal: Goal, milestones: list[tuple[str, Decimal]]
) -> None:
    await s.execute(delete(GoalMilestone).where(GoalMilestone.goal_id == goal.id))
    s.add_all(
        GoalMilestone(
            id=new_id(),
            organization_id=goal.organization_id,
            goal_id=goal.id,
            title=title,
            target_amount=amount,
        )
        for title, amount in milestones
    )
    await s.flush()


async def milestones_of(s: AsyncSession, goal_id: uuid.UUID) -> list[GoalMilestone]:
    stmt = (
        select(GoalMilestone)
        .where(GoalMilestone.goal_id == goal_id)
        .order_by(GoalMilestone.target_amount, GoalMilestone.id)
    )
    return list((await s.execute(stmt)).scalars())


async def complete_milestones(
    s: AsyncSession, organization_id: uuid.UUID, goal_ids: list[uuid.UUID]
) -> None:
    """Marks reached the milestones of `goal_ids` that their goal's stored amount reaches; a
    reached milestone stays reached."""
    if not goal_ids:
        return
    await s.execute(
        update(GoalMilestone)
        .where(
            GoalMilestone.goal_id == Goal.id,
            Goal.organization_id == organization_id,
            Goal.id.in_(goal_ids),
            GoalMilestone.completed_at.is_(None),
            GoalMilestone.target_amount <= Goal.current_amount,
        )
        .values(completed_at=func.now())
    )


async def record_progress(
    s: AsyncSession, organization_id: uuid.UUID, day: dt.date, amounts: dict[uuid.UUID, Decimal]
) -> None:
    """The month's point of each goal: the amount observed on `day`, replacing an earlier
    observation of the same month."""
    if not amounts:
        return
    stmt = insert(GoalProgress).values(
        [
            {
                "goal_id": goal_id,
                "month": day.replace(day=1),
                "organization_id": organization_id,
                "observed_on": day,
                "amount": amount,
            }
            for goal_id, amount in amounts.items()
        ]
    )
    changed = (GoalProgress.amount != stmt.excluded.amount) | (
        GoalProgress.observed_on != stmt.excluded.observed_on
    )
    await s.execute(
        stmt.on_conflict_do_update(
            index_elements=[GoalProgress.goal_id, GoalProgress.month],
            set_={"observed_on": stmt.excluded.observed_on, "amount": stmt.excluded.amount},
            where=changed,
        )
    )


async def progress_of(s: AsyncSession, goal_id: uuid.UUID) -> list[tuple[dt.date, Decimal]]:
    stmt = (
        select(GoalProgress.observed_on, GoalProgress.amount)
        .where(GoalProgress.goal_id == goal_id)
        .order_by(GoalProgress.month)
    )
    return [(day, amount) for day, amount in (await s.execute(stmt)).all()]
