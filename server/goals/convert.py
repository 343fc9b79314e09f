"""Goal views → protos; money leaves Decimal only here, as the JSON number documented."""

from __future__ import annotations

from typing import Any

from fingate.goals.v1 import goal_pb2 as pb
from fingate.goals.v1 import goal_service_pb2 as spb
from server.goals.domain import Listing, View
from server.platform.common.nulls import text_or_null
from server.platform.common.pagination import pagination
from server.platform.common.time import to_timestamp


def _figures(view: View) -> dict[str, Any]:
    """The fields every goal shape shares: identity, amounts and how far along it is."""
    g, d = view.goal, view.figures
    return {
        "id": str(g.id),
        "name": g.name,
        "target_amount": float(g.target_amount),
        "current_amount": float(g.current_amount),
        "percent_complete": float(d.percent_complete),
        "target_date": g.target_date.isoformat(),
        "monthly_needed": float(d.monthly_needed),
    }


def _full(view: View) -> dict[str, Any]:
    g = view.goal
    return {
        **_figures(view),
        "category": g.category,
        "status": g.status,
        "days_remaining": view.figures.days_remaining,
        "created_at": to_timestamp(g.created_at),
    }


def created(view: View) -> pb.CreatedGoal:
    msg = pb.CreatedGoal(**_full(view))
    msg.description.CopyFrom(text_or_null(view.goal.description))
    return msg


def summary(view: View) -> pb.GoalSummary:
    g = view.goal
    return pb.GoalSummary(
        **_figures(view),
        status=g.status,
        days_remaining=view.figures.days_remaining,
        created_at=to_timestamp(g.created_at),
    )


def detail(view: View) -> pb.GoalDetail:
    msg = pb.GoalDetail(
        **_full(view),
        milestones=[
            pb.Milestone(
                id=str(m.id),
                title=m.title,
                target_amount=float(m.target_amount),
                completed=m.completed,
                percent_complete=float(m.percent_complete),
            )
            for m in view.milestones
        ],
        progress=[
            pb.ProgressPoint(
                month=p.day.isoformat(),
                amount=float(p.amount),
                contribution=float(p.contribution),
            )
            for p in view.progress
        ],
    )
    msg.description.CopyFrom(text_or_null(view.goal.description))
    return msg


def updated(view: View) -> pb.UpdatedGoal:
    return pb.UpdatedGoal(**_figures(view), updated_at=to_timestamp(view.goal.updated_at))


def listing(result: Listing) -> spb.ListGoalsResponse:
    return spb.ListGoalsResponse(
        success=True,
        data=[summary(v) for v in result.items],
        pagination=pagination(result.page, result.total),
    )
