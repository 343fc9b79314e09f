"""Admin use cases: read, return plain values (rows and figures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import RowMapping, text

from server.admin import repository as repo
from server.platform.common.pagination import PageRequest, page_request
from server.platform.db.database import Database
from server.platform.metrics import repository as metrics_repo
from server.platform.metrics.recorder import RequestMetrics

# How far back the API figures reach (whole minutes).
API_WINDOW = dt.timedelta(hours=24)
TOP_ENDPOINTS = 10


@dataclass(frozen=True, slots=True)
class UserPage:
    rows: Sequence[RowMapping]
    page: PageRequest
    total: int


@dataclass(frozen=True, slots=True)
class WalletFigures:
    total: int = 0
    active_sync: int = 0
    recent_sync_24h: int = 0


@dataclass(frozen=True, slots=True)
class EndpointFigures:
    endpoint: str
    count: int
    average_ms: int


@dataclass(frozen=True, slots=True)
class ApiFigures:
    requests_total: int
    error_rate: float
    average_ms: int
    top_endpoints: list[EndpointFigures]


@dataclass(frozen=True, slots=True)
class AnalyticsFigures:
    users: repo.UserCounts
    wallets: WalletFigures
    api: ApiFigures


async def wallet_figures(db: Database) -> WalletFigures:
    """Wallet counts for the analytics view, across organizations: all, with a sync queued or
    running, synced in the last 24 hours (a database function: row-level security hides other
    organizations' wallets from the server's role)."""
    async with db.read() as s:
        row = (await s.execute(text("SELECT * FROM fingate_wallet_figures()"))).one()
    return WalletFigures(
        total=int(row.total),
        active_sync=int(row.active_sync),
        recent_sync_24h=int(row.recent_sync_24h),
    )


def _ms(total_ms: float, count: int) -> int:
    return round(total_ms / count) if count else 0


class Admin:
    """The admin use cases over the database and this process's request metrics."""

    def __init__(self, db: Database, metrics: RequestMetrics):
        self.db = db
        self.metrics = metrics

    async def list_users(
        self, *, role: str, plan: str, search: str, page: int | None, limit: int | None
    ) -> UserPage:
        paging = page_request(page, limit)
        f = repo.UserFilter(
            role=role.upper() or None, plan=plan.upper() or None, search=search.strip() or None
        )
        async with self.db.read() as s:
            total = await repo.count_users(s, f)
            rows = await repo.list_users(s, f, offset=paging.offset, limit=paging.limit)
        return UserPage(rows=rows, page=paging, total=total)

    async def analytics(self) -> AnalyticsFigures:
        # This process's unwritten requests go first, so the answer includes every request it
        # served before this one (other processes' arrive within METRICS_FLUSH_SECONDS).
        await self.metrics.flush()
        now = dt.datetime.now(dt.UTC)
        since = now.replace(second=0, microsecond=0) - API_WINDOW
        async with self.db.read() as s:
            users = await repo.user_counts(s, now=now)
            totals = await metrics_repo.window_totals(s, since=since)
            top = await metrics_repo.top_endpoints(s, since=since, limit=TOP_ENDPOINTS)
        api = ApiFigures(
            requests_total=totals.count,
            error_rate=round(totals.error_count / totals.count, 6) if totals.count else 0.0,
            average_ms=_ms(totals.total_ms, totals.count),
            top_endpoints=[
                EndpointFigures(e.endpoint, e.count, _ms(e.total_ms, e.count)) for e in top
            ],
        )
        return AnalyticsFigures(users=users, wallets=await wallet_figures(self.db), api=api)
