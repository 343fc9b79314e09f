"""Crypto views → protos. Money leaves Decimal only here: USD as JSON numbers rounded to
cents, prices to their own precision, token amounts as the decimal strings documented."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from google.protobuf.struct_pb2 import Struct, Value

from fingate.crypto.v1 import crypto_service_pb2 as spb
from fingate.crypto.v1 import wallet_pb2 as pb
from server.crypto.domain import (
    DefiView,
    NftPage,
    Portfolio,
    QueuedSync,
    TransactionPage,
    WalletPage,
    WalletView,
)
from server.crypto.models import Transaction, Wallet
from server.platform.common.nulls import NULL, text_or_null, time_or_null
from server.platform.common.pagination import pagination
from server.platform.common.time import to_timestamp

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


def usd(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_EVEN))


def percent(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_EVEN))


def amount(value: Decimal) -> str:
    """A token amount without trailing zeros (`"5.234"`, `"10000"`), never in exponent form."""
    return format(value.normalize(), "f")


def _object(**fields: Any) -> Value:
    value = Value()
    value.struct_value.update(fields)
    return value


def _identity(w: Wallet) -> dict[str, Any]:
    return {
        "id": str(w.id),
        "name": w.name,
        "address": w.address,
        "network": w.network,
        "total_balance_usd": usd(w.total_balance_usd),
        "notes": text_or_null(w.notes),
    }


def _listed(w: Wallet) -> dict[str, Any]:
    return {
        **_identity(w),
        "type": w.type,
        "asset_count": w.asset_count,
        "last_sync_at": time_or_null(w.last_sync_at),
        "sync_status": w.sync_status,
        "is_active": w.is_active,
        "created_at": to_timestamp(w.created_at),
    }


def wallets(page: WalletPage) -> spb.ListWalletsResponse:
    return spb.ListWalletsResponse(
        success=True,
        data=[pb.Wallet(**_listed(w), updated_at=to_timestamp(w.updated_at)) for w in page.rows],
        pagination=pagination(page.page, page.total),
    )


def created(w: Wallet) -> spb.AddWalletResponse:
    return spb.AddWalletResponse(
        success=True,
        data=pb.CreatedWallet(
            **_identity(w),
            type=w.type,
            asset_count=w.asset_count,
            sync_status=w.sync_status,
            is_active=w.is_active,
            created_at=to_timestamp(w.created_at),
        ),
    )


def detail(view: WalletView) -> spb.GetWalletResponse:
    return spb.GetWalletResponse(
        success=True,
        data=pb.WalletDetail(
            **_listed(view.wallet),
            positions=[
                pb.Position(
                    id=str(p.id),
                    asset_symbol=p.symbol,
                    asset_name=p.name,
                    balance=amount(p.quantity),
                    balance_usd=usd(p.value_usd),
                    price=float(p.price_usd),
                    change_24h=percent(p.change_24h),
                    updated_at=to_timestamp(p.updated_at),
                )
                for p in view.positions
            ],
        ),
    )


def updated(w: Wallet) -> spb.UpdateWalletResponse:
    return spb.UpdateWalletResponse(
        success=True, data=pb.UpdatedWallet(**_identity(w), updated_at=to_timestamp(w.updated_at))
    )


def portfolio(p: Portfolio) -> spb.GetPortfolioResponse:
    return spb.GetPortfolioResponse(
        success=True,
        data=pb.Portfolio(
            total_balance_usd=usd(p.total),
            wallet_count=p.wallet_count,
            asset_count=p.asset_count,
            change_24h=pb.Change(usd=usd(p.change_usd), percent=percent(p.change_percent)),
            top_assets=[
                pb.PortfolioAsset(
                    symbol=a.symbol,
                    name=a.name,
                    balance=amount(a.quantity),
                    balance_usd=usd(a.value),
                    price=float(a.price),
                    change_24h=percent(a.change_24h),
                    percentage=float(a.percentage.quantize(_TENTH, rounding=ROUND_HALF_EVEN)),
                )
                for a in p.top_assets
            ],
            breakdown=pb.Breakdown(
                by_network={k: usd(v) for k, v in p.by_network.items()},
                by_category={k: usd(v) for k, v in p.by_category.items()},
            ),
            last_sync_at=time_or_null(p.last_sync_at),
        ),
    )


def queued(q: QueuedSync) -> spb.SyncWalletResponse:
    return spb.SyncWalletResponse(
        success=True,
        data=pb.QueuedSync(
            wallet_id=str(q.wallet_id),
            job_id=str(q.job_id),
            status="queued",
            estimated_completion_time=to_timestamp(q.estimated_completion),
            sync_types=list(q.sync_types),
            message="Wallet sync queued successfully",
        ),
    )


def _leg(symbol: str | None, name: str | None, quantity: Decimal | None) -> Value:
    if symbol is None or quantity is None:
        return NULL
    return _object(symbol=symbol, name=name or symbol, amount=amount(quantity))


def _transaction(t: Transaction) -> pb.WalletTransaction:
    return pb.WalletTransaction(
        id=str(t.id),
        wallet_id=str(t.wallet_id),
        hash=t.hash,
        type=t.type,
        to=_leg(t.received_symbol, t.received_name, t.received_amount),
        timestamp=to_timestamp(t.occurred_at),
        block_number=t.block_number,
        gas_used=NULL if t.gas_used is None else Value(string_value=amount(t.gas_used)),
        gas_fee=pb.GasFee(eth=amount(t.fee_amount), usd=usd(t.fee_usd)),
        status=t.status,
        chain=t.chain,
        **{"from": _leg(t.sent_symbol, t.sent_name, t.sent_amount)},
    )


def transactions(page: TransactionPage) -> spb.ListWalletTransactionsResponse:
    return spb.ListWalletTransactionsResponse(
        success=True,
        data=[_transaction(t) for t in page.rows],
        pagination=pagination(page.page, page.total),
    )


def nfts(page: NftPage) -> spb.ListWalletNftsResponse:
    return spb.ListWalletNftsResponse(
        success=True,
        data=pb.NftHoldings(
            collections=[
                pb.NftCollection(
                    id=str(v.collection.id),
                    name=v.collection.name,
                    address=v.collection.address,
                    floor_price=float(v.collection.floor_price),
                    floor_price_usd=usd(v.collection.floor_price_usd),
                    nft_count=v.nft_count,
                    total_value=usd(v.collection.floor_price_usd * v.nft_count),
                    change_24h=percent(v.collection.change_24h),
                    nfts=[
                        pb.Nft(
                            token_id=n.token_id,
                            name=n.name,
                            image=text_or_null(n.image),
                            floor_price=float(v.collection.floor_price),
                            floor_price_usd=usd(v.collection.floor_price_usd),
                            rarity=text_or_null(n.rarity),
                        )
                        for n in v.nfts
                    ],
                )
                for v in page.collections
            ],
            total_value=usd(page.total_value),
        ),
    )


def _valued(leg: dict[str, Any] | None) -> Value:
    if not leg:
        return NULL
    return _object(
        symbol=leg["symbol"], amount=leg["amount"], value=usd(Decimal(str(leg["value"])))
    )


def defi(view: DefiView) -> spb.ListWalletDefiPositionsResponse:
    return spb.ListWalletDefiPositionsResponse(
        success=True,
        data=pb.DefiHoldings(
            positions=[
                pb.DefiPosition(
                    id=str(d.id),
                    protocol=d.protocol,
                    type=d.type,
                    supplied=_valued(d.supplied),
                    borrowed=_valued(d.borrowed),
                    rewards=[
                        pb.ValuedAmount(
                            symbol=r["symbol"],
                            amount=r["amount"],
                            value=usd(Decimal(str(r["value"]))),
                        )
                        for r in d.rewards
                    ],
                    net_value=usd(d.net_value),
                    health_factor=NULL
                    if d.health_factor is None
                    else Value(number_value=float(d.health_factor)),
                    last_updated=to_timestamp(d.updated_at),
                )
                for d in view.positions
            ],
            total_value=usd(view.total_value),
        ),
    )


def event(fields: dict[str, Any]) -> Struct:
    message = Struct()
    message.update(fields)
    return message
