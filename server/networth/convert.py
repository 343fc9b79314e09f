"""Asset accounts → protos; money leaves Decimal only here, as the JSON number documented."""

from __future__ import annotations

from google.protobuf.struct_pb2 import Value

from fingate.networth.v1 import asset_account_pb2 as pb
from fingate.networth.v1 import networth_service_pb2 as spb
from server.networth.balance import BASE_CURRENCY
from server.networth.domain import (
    AssetPage,
    HistoryView,
    SnapshotPage,
    SummaryView,
    gain,
    one_line_address,
)
from server.networth.models import AssetAccount, Snapshot
from server.platform.common.nulls import NULL, text_or_null
from server.platform.common.pagination import pagination
from server.platform.common.time import to_timestamp


def _number(value: object) -> Value:
    return NULL if value is None else Value(number_value=float(value))  # type: ignore[arg-type]


def created(row: AssetAccount) -> spb.CreateAssetAccountResponse:
    g = gain(row.balance, row.original_value)
    return spb.CreateAssetAccountResponse(
        success=True,
        data=pb.CreatedAssetAccount(
            id=str(row.id),
            name=row.name,
            type=row.type,
            balance=float(row.balance),
            currency=row.currency,
            current_value=float(row.balance),
            original_value=_number(row.original_value),
            gain=_number(None if g is None else g.amount),
            gain_percent=_number(None if g is None else g.percent),
            purchase_date=text_or_null(
                None if row.purchase_date is None else row.purchase_date.isoformat()
            ),
            address=text_or_null(one_line_address(row)),
            created_at=to_timestamp(row.created_at),
        ),
    )


def listing(page: AssetPage) -> spb.ListAssetAccountsResponse:
    return spb.ListAssetAccountsResponse(
        success=True,
        data=[
            pb.AssetAccount(
                id=str(r.id),
                name=r.name,
                type=r.type,
                balance=float(r.balance),
                currency=r.currency,
                current_value=float(r.balance),
                created_at=to_timestamp(r.created_at),
            )
            for r in page.rows
        ],
        pagination=pagination(page.page, page.total),
    )


def updated(row: AssetAccount) -> spb.UpdateAssetAccountResponse:
    return spb.UpdateAssetAccountResponse(
        success=True,
        data=pb.UpdatedAssetAccount(
            id=str(row.id),
            name=row.name,
            balance=float(row.balance),
            current_value=float(row.balance),
            updated_at=to_timestamp(row.updated_at),
        ),
    )


def _breakdown(s: Snapshot) -> pb.AssetBreakdown:
    return pb.AssetBreakdown(
        cash=float(s.cash),
        crypto=float(s.crypto),
        investments=float(s.investments),
        real_estate=float(s.real_estate),
        vehicles=float(s.vehicles),
        other_assets=float(s.other_assets),
    )


def history(view: HistoryView) -> spb.GetHistoryResponse:
    f = view.figures
    return spb.GetHistoryResponse(
        success=True,
        data=pb.History(
            period=view.period,
            granularity=view.granularity,
            start_date=view.start.isoformat(),
            end_date=view.end.isoformat(),
            data_points=[
                pb.HistoryPoint(
                    date=p.snapshot_date.isoformat(),
                    net_worth=float(p.total_net_worth),
                    assets=float(p.total_assets),
                    liabilities=float(p.total_liabilities),
                    asset_breakdown=_breakdown(p),
                )
                for p in view.points
            ],
            summary=pb.HistorySummary(
                start_value=float(f.start),
                end_value=float(f.end),
                change=float(f.change),
                change_percent=float(f.change_percent),
                high_value=float(f.high),
                low_value=float(f.low),
                average_value=float(f.average),
            ),
        ),
    )


def snapshots(page: SnapshotPage) -> spb.ListSnapshotsResponse:
    return spb.ListSnapshotsResponse(
        success=True,
        data=[
            pb.Snapshot(
                id=str(s.id),
                snapshot_date=s.snapshot_date.isoformat(),
                granularity=page.granularity,
                total_net_worth=float(s.total_net_worth),
                total_assets=float(s.total_assets),
                total_liabilities=float(s.total_liabilities),
                breakdown=_breakdown(s),
            )
            for s in page.rows
        ],
        pagination=pagination(page.page, page.total),
    )


def summary(view: SummaryView) -> spb.GetSummaryResponse:
    f, p = view.sheet.figures, view.performance

    def change(name: str) -> pb.CategoryChange:
        amount, percent = p.categories[name]
        return pb.CategoryChange(change=float(amount), percent=float(percent))

    return spb.GetSummaryResponse(
        success=True,
        data=pb.NetWorthSummary(
            summary=pb.NetWorthTotals(
                total_net_worth=float(view.sheet.net_worth),
                total_assets=float(view.sheet.total_assets),
                total_liabilities=float(view.sheet.total_liabilities),
                currency=BASE_CURRENCY,
                as_of_date=to_timestamp(view.as_of),
            ),
            breakdown=pb.BalanceBreakdown(
                assets=pb.AssetBreakdown(
                    cash=float(f["cash"]),
                    crypto=float(f["crypto"]),
                    investments=float(f["investments"]),
                    real_estate=float(f["real_estate"]),
                    vehicles=float(f["vehicles"]),
                    other_assets=float(f["other_assets"]),
                ),
                liabilities=pb.LiabilityBreakdown(
                    credit_cards=float(f["credit_cards"]),
                    loans=float(f["loans"]),
                    mortgages=float(f["mortgages"]),
                ),
            ),
            performance=pb.Performance(
                period=p.period,
                start_value=float(p.start),
                end_value=float(p.end),
                change=float(p.change),
                change_percent=float(p.change_percent),
                breakdown_by_category=pb.CategoryChanges(
                    crypto=change("crypto"),
                    banking=change("banking"),
                    real_estate=change("real_estate"),
                ),
            ),
        ),
    )
