"""Crypto wallets of the call's organization: the use cases behind CryptoService.

Reads come from what the last sync stored; the provider is reached only by the sync job
(server/crypto/sync.py). Money stays Decimal here; convert.py rounds it for JSON.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from server.crypto import addresses, circuit, networks
from server.crypto import repository as repo
from server.crypto.models import DefiPosition, Nft, NftCollection, Position, Transaction, Wallet
from server.crypto.sync import SYNC_TYPES, request_sync
from server.plans import limits
from server.plans.resources import WALLETS
from server.platform.common.ids import parse_id
from server.platform.common.pagination import PageRequest, page_request
from server.platform.common.validation import Violations, instant
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.errors import (
    FieldViolation,
    InvalidInput,
    InvalidNetwork,
    NotFound,
    WalletAlreadyAdded,
)
from server.platform.jobs.app import JobQueue
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork

WALLET_NOT_FOUND = "Wallet not found"
NFT_DEFAULT_LIMIT = 20
TOP_ASSETS = 10


@dataclass(frozen=True, slots=True)
class NewWallet:
    name: str
    address: str
    network: str
    type: str
    notes: str


@dataclass(frozen=True, slots=True)
class WalletChange:
    name: str | None
    notes: str | None
    is_active: bool | None


@dataclass(frozen=True, slots=True)
class WalletPage:
    rows: Sequence[Wallet]
    page: PageRequest
    total: int


@dataclass(frozen=True, slots=True)
class WalletView:
    wallet: Wallet
    positions: Sequence[Position]


@dataclass(frozen=True, slots=True)
class QueuedSync:
    wallet_id: uuid.UUID
    job_id: int
    estimated_completion: dt.datetime
    sync_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PortfolioAsset:
    symbol: str
    name: str
    quantity: Decimal
    value: Decimal
    price: Decimal
    change_24h: Decimal  # percent
    percentage: Decimal


@dataclass(frozen=True, slots=True)
class Portfolio:
    total: Decimal
    wallet_count: int
    asset_count: int
    change_usd: Decimal
    change_percent: Decimal
    top_assets: list[PortfolioAsset]
    by_network: dict[str, Decimal]
    by_category: dict[str, Decimal]
    last_sync_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TransactionPage:
    rows: Sequence[Transaction]
    page: PageRequest
    total: int


@dataclass(slots=True)
class CollectionView:
    collection: NftCollection
    nft_count: int
    nfts: list[Nft] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NftPage:
    collections: list[CollectionView]
    total_value: Decimal


@dataclass(frozen=True, slots=True)
class DefiView:
    positions: Sequence[DefiPosition]
    total_value: Decimal


def _wallet_id(raw: str) -> uuid.UUID:
    # A malformed id names no wallet of this organization either.
    wallet_id = parse_id(raw)
    if wallet_id is None:
        raise NotFound(WALLET_NOT_FOUND)
    return wallet_id


def _network(raw: str) -> networks.Network:
    found = networks.find(raw.strip().upper())
    if found is None:
        raise InvalidNetwork(
            [FieldViolation("network", f"must be one of {', '.join(networks.NAMES)}")],
            message="Unsupported network",
        )
    return found


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole * 100 if whole else Decimal(0)


class Wallets:
    def __init__(self, db: Database, jobs: JobQueue):
        self.db = db
        self.jobs = jobs

    async def _get(self, s: Any, raw_id: str, *, lock: bool = False) -> Wallet:
        wallet = await repo.wallet(s, tenant().organization_id, _wallet_id(raw_id), lock=lock)
        if wallet is None:
            raise NotFound(WALLET_NOT_FOUND)
        return wallet

    async def listing(
        self, *, page: int | None, limit: int | None, network: str, is_active: bool | None
    ) -> WalletPage:
        pg = page_request(page, limit)
        name = _network(network).name if network.strip() else None
        async with tenant_transaction(self.db) as s:
            rows, total = await repo.wallets(
                s,
                tenant().organization_id,
                network=name,
                is_active=True if is_active is None else is_active,
                page=pg,
            )
        return WalletPage(rows, pg, total)

    async def add(self, data: NewWallet) -> Wallet:
        found = _network(data.network)
        try:
            address = addresses.normalize(found, data.address.strip())
        except addresses.InvalidAddress as error:
            raise InvalidInput([FieldViolation("address", error.message)], error.message) from None
        network = found.name
        t = tenant()
        async with UnitOfWork(self.db) as work:
            s = work.session
            await limits.ensure_within_limit(
                s, organization_id=t.organization_id, plan_code=t.plan, resource=WALLETS.name
            )
            if await repo.address_taken(s, t.organization_id, network, address):
                raise WalletAlreadyAdded()
            wallet = Wallet(
                organization_id=t.organization_id,
                created_by=principal().user_id,
                name=data.name.strip(),
                address=address,
                network=network,
                type=data.type or "EXTERNAL",
                notes=data.notes or None,
            )
            s.add(wallet)
            try:
                async with s.begin_nested():
                    await s.flush()
            except IntegrityError:
                # Another request added the same address between our check and insert.
                raise WalletAlreadyAdded() from None
            await s.refresh(wallet)
            work.audit(target_id=wallet.id)
        # Its first sync, the whole history, queued once the wallet is committed (a job that
        # started earlier would not find it). Should this fail, the wallet stays pending and
        # the automatic sync picks it up.
        async with tenant_transaction(self.db) as s:
            locked = await repo.wallet(s, t.organization_id, wallet.id, lock=True)
            if locked is not None:
                await request_sync(s, self.jobs, locked, sync_types=SYNC_TYPES, full_sync=True)
        return wallet

    async def get(self, raw_id: str) -> WalletView:
        async with tenant_transaction(self.db) as s:
            wallet = await self._get(s, raw_id)
            return WalletView(wallet, await repo.positions(s, wallet.id))

    async def update(self, raw_id: str, change: WalletChange) -> Wallet:
        values: dict[str, Any] = {}
        if change.name is not None:
            values["name"] = change.name.strip()
        if change.notes is not None:
            values["notes"] = change.notes or None
        if change.is_active is not None:
            values["is_active"] = change.is_active
        async with UnitOfWork(self.db) as work:
            wallet = await self._get(work.session, raw_id, lock=True)
            values["updated_at"] = dt.datetime.now(dt.UTC)
            await repo.update_wallet(work.session, wallet, **values)
            work.audit(changes={"fields": sorted(k for k in values if k != "updated_at")})
        return wallet

    async def delete(self, raw_id: str) -> None:
        async with UnitOfWork(self.db) as work:
            if not await repo.delete_wallet(
                work.session, tenant().organization_id, _wallet_id(raw_id)
            ):
                raise NotFound(WALLET_NOT_FOUND)

    async def sync(self, raw_id: str, *, sync_types: Sequence[str], full_sync: bool) -> QueuedSync:
        types = tuple(sync_types) or SYNC_TYPES
        async with UnitOfWork(self.db) as work:
            wallet = await self._get(work.session, raw_id, lock=True)
            await circuit.ensure_closed(work.session)
            job_id, estimated = await request_sync(
                work.session, self.jobs, wallet, sync_types=types, full_sync=full_sync
            )
        return QueuedSync(wallet.id, job_id, estimated, types)

    async def portfolio(self) -> Portfolio:
        org = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            head = await repo.portfolio_wallets(s, org)
            assets = await repo.portfolio_assets(s, org)
            by_network = await repo.portfolio_by_network(s, org)
            by_category = await repo.portfolio_by_category(s, org)
        total = Decimal(head.total)
        token_value = sum((Decimal(a.value) for a in assets), Decimal(0))
        before = sum((Decimal(a.value_before) for a in assets), Decimal(0))
        change = token_value - before
        top = [
            PortfolioAsset(
                symbol=a.symbol,
                name=a.name,
                quantity=Decimal(a.quantity),
                value=Decimal(a.value),
                price=Decimal(a.price),
                change_24h=_percent(
                    Decimal(a.value) - Decimal(a.value_before), Decimal(a.value_before)
                ),
                percentage=_percent(Decimal(a.value), total),
            )
            for a in assets[:TOP_ASSETS]
        ]
        return Portfolio(
            total=total,
            wallet_count=int(head.wallets),
            asset_count=len(assets),
            change_usd=change,
            change_percent=_percent(change, total - change),
            top_assets=top,
            by_network=by_network,
            by_category=by_category,
            last_sync_at=head.last_sync_at,
        )

    async def transactions(
        self,
        raw_id: str,
        *,
        page: int | None,
        limit: int | None,
        start_date: str,
        end_date: str,
        type: str,
    ) -> TransactionPage:
        start, end = instant(start_date, end=False), instant(end_date, end=True)
        if start and end and end <= start:
            v = Violations()
            v.add("endDate", "must not be before startDate")
            v.raise_if_any()
        pg = page_request(page, limit)
        async with tenant_transaction(self.db) as s:
            wallet = await self._get(s, raw_id)
            rows, total = await repo.transactions(
                s, wallet.id, type=type.upper() or None, start=start, end=end, page=pg
            )
        return TransactionPage(rows, pg, total)

    async def nfts(
        self, raw_id: str, *, page: int | None, limit: int | None, collection: str
    ) -> NftPage:
        pg = page_request(page, limit, default_limit=NFT_DEFAULT_LIMIT)
        async with tenant_transaction(self.db) as s:
            wallet = await self._get(s, raw_id)
            items, counts = await repo.nfts(s, wallet.id, collection=collection or None, page=pg)
        views = {row[0].id: CollectionView(row[0], int(row[1])) for row in counts}
        for row in items:
            views[row[1].id].nfts.append(row[0])
        total = sum(
            (v.collection.floor_price_usd * v.nft_count for v in views.values()), Decimal(0)
        )
        return NftPage([v for v in views.values() if v.nfts], total)

    async def defi(self, raw_id: str) -> DefiView:
        async with tenant_transaction(self.db) as s:
            wallet = await self._get(s, raw_id)
            rows = await repo.defi_positions(s, wallet.id)
        return DefiView(rows, sum((r.net_value for r in rows), Decimal(0)))
