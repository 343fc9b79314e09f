"""Asset accounts → protos; money leaves Decimal only here, as the JSON number documented."""

from __future__ import annotations

from google.protobuf.struct_pb2 import Value

from fingate.networth.v1 import asset_account_pb2 as pb
from fingate.networth.v1 import networth_service_pb2 as spb
from server.networth.domain import AssetPage, gain, one_line_address
from server.networth.models import AssetAccount
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
