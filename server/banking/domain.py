"""Mappr's banking use cases (seed 004 "Banking Endpoints"), in the organization the tenant
interceptor resolved."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from asyncpg import Connection, Record
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking import analytics, summaries
from server.banking import repository as repo
from server.banking import transaction_list as listing
from server.banking.filters import AccountFilter, TransactionFilter
from server.banking.linking import (
    Linked,
    TellerAdapter,
    link_and_sync,
)
from server.banking.services import BankingServices
from server.banking.sync.requests import request_sync
from server.platform.common.ids import parse_id
from server.platform.common.pagination import PageRequest
from server.platform.common.validation import Violations
from server.platform.context import tenant
from server.platform.errors import FieldViolation, InvalidInput, NotFound
from server.platform.tenancy.session import tenant_reads, tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.base import ProviderAccount
from server.providers.errors import FAILURES, translate

# What a client is told to expect; a sync of a few months of transactions takes seconds, a
# first full sync of a large item a few minutes.
SYNC_ESTIMATE = dt.timedelta(minutes=5)
DEFAULT_CATEGORIES = 10


@dataclass(frozen=True, slots=True)
class Enrollment:
    """Teller Connect's enrollment payload."""

    access_token: str
    enrollment_id: str
    institution_id: str
    institution_name: str


@dataclass(frozen=True, slots=True)
class Preview:
    enrollment: Enrollment
    accounts: list[ProviderAccount]


@dataclass(frozen=True, slots=True)
class AccountPage:
    rows: Sequence[Row[Any]]
    page: PageRequest
    total: int


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Row[Any]
    recent: Sequence[Row[Any]]


@dataclass(frozen=True, slots=True)
class TransactionPage:
    rows: Sequence[Record]
    page: PageRequest
    total: int
    income: Decimal
    expenses: Decimal


@dataclass(frozen=True, slots=True)
class QueuedSync:
    account_id: uuid.UUID
    job_id: int
    estimated_completion: dt.datetime


def _enrollment(e: Enrollment) -> Enrollment:
    """The payload trimmed (its declared rules have held); an institution without a name
    goes by its id."""
    institution_id = e.institution_id.strip()
    return Enrollment(
        e.access_token.strip(),
        e.enrollment_id.strip(),
        institution_id,
        e.institution_name.strip() or institution_id,
    )


def _account_id(raw: str) -> uuid.UUID:
    """An account id from the path; one that is no UUID names nothing that exists."""
    found = parse_id(raw.strip())
    if found is None:
        raise NotFound("Bank account not found")
    return found


async def _ensure_account(s: AsyncSession, organization_id: uuid.UUID, aid: uuid.UUID) -> None:
    if not await repo.account_exists(s, organization_id, aid):
        raise NotFound("Bank account not found")


class Banking(BankingServices):
    def _teller(self) -> TellerAdapter:
        adapter: TellerAdapter = self.providers("TELLER")
        return adapter

    async def preview(self, enrollment: Enrollment) -> Preview:
        e = _enrollment(enrollment)
        try:
            accounts = await self._teller().accounts(e.access_token)
        except FAILURES as error:
            raise translate(error, field="enrollment.accessToken") from None
        return Preview(e, accounts)

    async def connect(self, enrollment: Enrollment, selected_ids: list[str]) -> Linked:
        e = _enrollment(enrollment)
        selected = list(dict.fromkeys(i.strip() for i in selected_ids))
        teller = self._teller()
        try:
            offered = {a.provider_account_id: a for a in await teller.accounts(e.access_token)}
            link = await teller.link_from_enrollment(
                e.access_token, e.enrollment_id, e.institution_id, e.institution_name
            )
        except FAILURES as error:
            raise translate(error, field="enrollment.accessToken") from None
        unknown = [i for i in selected if i not in offered]
        if unknown:
            raise InvalidInput(
                [
                    FieldViolation(
                        "selectedAccountIds",
                        f"not accounts of this enrollment: {', '.join(unknown[:10])}",
                    )
                ]
            )
        return await link_and_sync(
            self.db,
            self.jobs,
            self.cache,
            self.vault,
            provider="TELLER",
            link=link,
            accounts=[offered[i] for i in selected],
        )

    async def list_accounts(self, f: AccountFilter) -> AccountPage:
        async with tenant_transaction(self.db) as s:
            rows, total = await repo.list_accounts(s, tenant().organization_id, f)
        return AccountPage(rows, f.page, total)

    async def get_account(self, raw_id: str) -> AccountView:
        aid = _account_id(raw_id)
        async with tenant_transaction(self.db) as s:
            row = await repo.get_account(s, tenant().organization_id, aid)
            if row is None:
                raise NotFound("Bank account not found")
            recent = await repo.recent_transactions(s, aid)
        return AccountView(row, recent)

    async def list_transactions(self, f: TransactionFilter) -> TransactionPage:
        org = tenant().organization_id
        async with tenant_reads(self.db) as conn:
            if f.account_id is not None and not await listing.account_exists(
                conn, org, f.account_id
            ):
                raise NotFound("Bank account not found")
            summary = await self._summary(conn, org, f)
            total = int(summary[0])
            # Past the last page there is nothing to fetch; the summary already says so.
            rows = await listing.page(conn, org, f) if total > f.page.offset else []
        return TransactionPage(rows, f.page, total, summary[1], summary[2])

    async def _summary(
        self, conn: Connection, org: uuid.UUID, f: TransactionFilter
    ) -> Sequence[Any]:
        """The list's summary: (matched, income, expenses). A filtered one aggregates every
        matching row (tens of ms at a million), and a client paging through a filter asks for
        the same one page after page: it is cached under the organization's bank data
        version, read first, so whatever writes transactions afterwards (a sync, an edit)
        makes the next read compute afresh."""
        if listing.unfiltered(f):
            totals: Sequence[Any] = await listing.summary(conn, org, f)
            return totals
        version = await listing.data_version(conn, org)
        key, field = summaries.key(org, version, f)
        cached = await self.cache.get(key, field)
        if cached is not None:
            return summaries.load(cached)
        summary: Sequence[Any] = await listing.summary(conn, org, f)
        await self.cache.put(key, field, summaries.dump(summary))
        return summary

    async def sync_account(self, raw_id: str, sync_type: str) -> QueuedSync:
        aid = _account_id(raw_id)
        kind = sync_type.lower() or "incremental"
        org = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            row = await repo.get_account(s, org, aid)
            if row is None:
                raise NotFound("Bank account not found")
            if row.connection_status != "ACTIVE":
                status = str(row.connection_status).lower()
                raise InvalidInput(
                    [
                        FieldViolation(
                            "accountId", f"its bank connection is {status}; reconnect it first"
                        )
                    ],
                    f"The account's bank connection is {status}; reconnect it before syncing",
                )
            job_id = await request_sync(
                s,
                self.jobs,
                organization_id=org,
                connection_id=row.connection_id,
                account_id=aid,
                sync_type=kind,
            )
            work.audit(target_id=aid, changes={"syncType": kind, "jobId": job_id})
        return QueuedSync(aid, job_id, dt.datetime.now(dt.UTC) + SYNC_ESTIMATE)

    async def spending(
        self,
        *,
        period: str,
        start_date: str,
        end_date: str,
        limit: int | None,
        account: str,
    ) -> analytics.Spending:
        v = Violations()
        p = analytics.period(v, period, start_date, end_date, dt.datetime.now(dt.UTC).date())
        v.raise_if_any()
        aid = parse_id(account)
        org = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            if aid is not None:
                await _ensure_account(s, org, aid)
            rows = await repo.spending_by_category(
                s,
                org,
                previous_start=p.previous_start,
                start=p.start,
                end=p.end,
                account_id=aid,
            )
            total, previous_total, top = analytics.ranked(
                [(r.category, r.spent, int(r.n), r.previous) for r in rows],
                limit or DEFAULT_CATEGORIES,
            )
            if top:
                merchants = await repo.top_merchants(
                    s,
                    org,
                    categories=[c.category for c in top],
                    start=p.start,
                    end=p.end,
                    account_id=aid,
                )
                by_category = {c.category: c for c in top}
                for m in merchants:
                    by_category[m.category].merchants.append(
                        analytics.Merchant(m.name, m.amount, int(m.n))
                    )
        return analytics.Spending(
            period=p,
            total=total,
            previous_total=previous_total,
            categories=top,
            insights=analytics.insights(p, total, previous_total, top),
        )
