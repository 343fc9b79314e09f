"""Budget views → protos; money leaves Decimal only here, as the JSON number documented."""

from __future__ import annotations

from fingate.budgets.v1 import budget_pb2 as pb
from fingate.budgets.v1 import budget_service_pb2 as spb
from server.budgets.domain import Listing, View
from server.common.pagination import pagination
from server.common.time import to_timestamp


def _alerts(view: View) -> list[pb.Alert]:
    out = []
    for alert_id, st in view.alerts:
        msg = pb.Alert(
            id=str(alert_id), threshold=st.threshold, enabled=st.enabled, triggered=st.triggered
        )
        if st.triggered_at is not None:
            msg.triggered_at.CopyFrom(to_timestamp(st.triggered_at))
        out.append(msg)
    return out


def created(view: View) -> pb.CreatedBudget:
    b, p = view.budget, view.progress
    msg = pb.CreatedBudget(
        id=str(b.id),
        name=b.name,
        amount=float(b.amount),
        period=b.period,
        source_type=b.source_type,
        spent=float(p.spent),
        remaining=float(p.remaining),
        percent_used=float(p.percent_used),
        status=p.status,
        start_date=view.period_start.isoformat(),
        end_date=view.period_end.isoformat(),
        created_at=to_timestamp(b.created_at),
        alerts=_alerts(view),
    )
    if b.source_id is not None:
        msg.source_id = b.source_id
    return msg


def summary(view: View) -> pb.BudgetSummary:
    b, p = view.budget, view.progress
    return pb.BudgetSummary(
        id=str(b.id),
        name=b.name,
        amount=float(b.amount),
        period=b.period,
        spent=float(p.spent),
        remaining=float(p.remaining),
        percent_used=float(p.percent_used),
        status=p.status,
        start_date=view.period_start.isoformat(),
        end_date=view.period_end.isoformat(),
        created_at=to_timestamp(b.created_at),
    )


def detail(view: View) -> pb.BudgetDetail:
    b, p = view.budget, view.progress
    msg = pb.BudgetDetail(
        id=str(b.id),
        name=b.name,
        amount=float(b.amount),
        period=b.period,
        source_type=b.source_type,
        spent=float(p.spent),
        remaining=float(p.remaining),
        percent_used=float(p.percent_used),
        status=p.status,
        start_date=view.period_start.isoformat(),
        end_date=view.period_end.isoformat(),
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
        created_at=to_timestamp(b.created_at),
    )
    if b.source_id is not None:
        msg.source_id = b.source_id
    return msg


def updated(view: View) -> pb.UpdatedBudget:
    b, p = view.budget, view.progress
    return pb.UpdatedBudget(
        id=str(b.id),
        name=b.name,
        amount=float(b.amount),
        spent=float(p.spent),
        remaining=float(p.remaining),
        percent_used=float(p.percent_used),
        updated_at=to_timestamp(b.updated_at),
    )


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
