"""Budget views → protos; money leaves Decimal only here, as the JSON number documented."""

from __future__ import annotations

from typing import Any

from fingate.budgets.v1 import budget_pb2 as pb
from fingate.budgets.v1 import budget_service_pb2 as spb
from server.budgets.domain import Listing, View
from server.platform.common.nulls import text_or_null, time_or_null
from server.platform.common.pagination import pagination
from server.platform.common.time import to_timestamp


def _alerts(view: View) -> list[pb.Alert]:
    out = []
    for alert_id, st in view.alerts:
        msg = pb.Alert(
            id=str(alert_id), threshold=st.threshold, enabled=st.enabled, triggered=st.triggered
        )
        msg.triggered_at.CopyFrom(time_or_null(st.triggered_at))
        out.append(msg)
    return out


def _figures(view: View) -> dict[str, Any]:
    """The fields every budget shape shares: identity, amount, the current period's figures."""
    b, p = view.budget, view.progress
    return {
        "id": str(b.id),
        "name": b.name,
        "amount": float(b.amount),
        "spent": float(p.spent),
        "remaining": float(p.remaining),
        "percent_used": float(p.percent_used),
    }


def _period(view: View) -> dict[str, Any]:
    return {
        "period": view.budget.period,
        "status": view.progress.status,
        "start_date": view.period_start.isoformat(),
        "end_date": view.period_end.isoformat(),
        "created_at": to_timestamp(view.budget.created_at),
    }


def created(view: View) -> pb.CreatedBudget:
    b = view.budget
    alerts = [
        pb.CreatedAlert(
            id=str(i), threshold=st.threshold, enabled=st.enabled, triggered=st.triggered
        )
        for i, st in view.alerts
    ]
    msg = pb.CreatedBudget(
        **_figures(view), **_period(view), source_type=b.source_type, alerts=alerts
    )
    msg.source_id.CopyFrom(text_or_null(b.source_id))
    return msg


def summary(view: View) -> pb.BudgetSummary:
    return pb.BudgetSummary(**_figures(view), **_period(view))


def detail(view: View) -> pb.BudgetDetail:
    b = view.budget
    msg = pb.BudgetDetail(
        **_figures(view),
        **_period(view),
        source_type=b.source_type,
        rollover_enabled=b.rollover_enabled,
        alerts=_alerts(view),
        transactions=[
            pb.BudgetTransaction(
                id=s.id,
                amount=float(s.amount),
                description=s.description,
                date=to_timestamp(s.occurred_at),
            )
            for s in sorted(view.spends, key=lambda s: s.occurred_at, reverse=True)
        ],
    )
    msg.source_id.CopyFrom(text_or_null(b.source_id))
    return msg


def updated(view: View) -> pb.UpdatedBudget:
    return pb.UpdatedBudget(**_figures(view), updated_at=to_timestamp(view.budget.updated_at))


def listing(result: Listing) -> spb.ListBudgetsResponse:
    sm = result.summary
    return spb.ListBudgetsResponse(
        success=True,
        data=[summary(v) for v in result.items],
        pagination=pagination(result.page, result.total),
        summary=pb.BudgetListSummary(
            total_budgets=int(sm["total_budgets"]),
            on_track=int(sm["on_track"]),
            at_risk=int(sm["at_risk"]),
            exceeded=int(sm["exceeded"]),
            total_budgeted=float(sm["total_budgeted"]),
            total_spent=float(sm["total_spent"]),
        ),
    )
