"""The transaction list's SQL: the page, the summary over the whole filtered set, and what
they depend on. The hot path of the banking API, so each statement is written in Core once
per filter shape (which filters are present), compiled once, and run on asyncpg itself
(server/platform/db/compiled.py) inside the tenant's READ ONLY transaction (tenant_reads).

Values travel as named parameters (`org`, `account`, `category`, `start`, `end`, `min`, `max`,
`pattern`, `limit`, `offset`); the statements carry them as bound values too, so the bench can
print the very SQL the route runs with `literal_binds`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from asyncpg import Connection, Record
from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam, func, or_, select

from server.banking.filters import TransactionFilter
from server.banking.models import (
    BankDataVersion,
    BankTransaction,
    BankTransactionTotals,
    FinancialAccount,
)
from server.banking.repository import A, T
from server.platform.db.compiled import Compiled

X = BankTransactionTotals.__table__.c
V = BankDataVersion.__table__.c

Shape = tuple[bool, ...]
Build = Callable[[uuid.UUID, TransactionFilter], Select[Any]]


def _like(text: str) -> str:
    """A substring pattern for ILIKE … ESCAPE '/': the user's % and _ match themselves."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def params(organization_id: uuid.UUID, f: TransactionFilter) -> dict[str, Any]:
    return {
        "org": organization_id,
        "account": f.account_id,
        "category": f.category,
        "start": f.start,
        "end": f.end,
        "min": f.min_amount,
        "max": f.max_amount,
        "pattern": None if f.search_text is None else _like(f.search_text),
        "limit": f.page.limit,
        "offset": f.page.offset,
    }


def _shape(f: TransactionFilter) -> Shape:
    return (
        f.account_id is not None,
        f.category is not None,
        f.start is not None,
        f.end is not None,
        f.min_amount is not None,
        f.max_amount is not None,
        f.search_text is not None,
    )


def unfiltered(f: TransactionFilter) -> bool:
    """Whether the list asks for everything, or everything of one account: then the summary
    reads the trigger-kept totals (migration 0010) instead of the rows."""
    return not any(_shape(f)[1:])


def _where(organization_id: uuid.UUID, f: TransactionFilter) -> list[ColumnElement[bool]]:
    p = params(organization_id, f)
    where: list[ColumnElement[bool]] = [T.organization_id == bindparam("org", p["org"])]
    if f.account_id is not None:
        where.append(T.account_id == bindparam("account", p["account"]))
    if f.category is not None:
        # The user's own category wins over the provider's (the stored column of 0009).
        where.append(T.effective_category == bindparam("category", p["category"]))
    if f.start is not None:
        where.append(T.date >= bindparam("start", p["start"]))
    if f.end is not None:
        where.append(T.date < bindparam("end", p["end"]))
    if f.min_amount is not None:
        where.append(T.amount >= bindparam("min", p["min"]))
    if f.max_amount is not None:
        where.append(T.amount <= bindparam("max", p["max"]))
    if f.search_text is not None:
        pattern: BindParameter[str] = bindparam("pattern", p["pattern"])
        where.append(
            or_(
                T.merchant_name.ilike(pattern, escape="/"), T.description.ilike(pattern, escape="/")
            )
        )
    return where


def page_query(organization_id: uuid.UUID, f: TransactionFilter) -> Select[Any]:
    """One page, newest first.

    The page is chosen on (date, id) alone, then joined back: without other filters the
    offset walks `ix_bank_transactions_org_date` as an index-only scan, so page 1000 skips
    index entries rather than fetching 50,000 rows and their accounts."""
    page = (
        select(T.id.label("pid"), T.date.label("pdate"))
        .where(*_where(organization_id, f))
        .order_by(T.date.desc(), T.id.desc())
        .limit(bindparam("limit", f.page.limit, type_=Integer))
        .offset(bindparam("offset", f.page.offset, type_=Integer))
        .subquery("page")
    )
    return (
        select(
            T.id,
            T.account_id,
            A.name.label("account_name"),
            T.amount,
            T.description,
            T.merchant_name,
            T.merchant_category,
            T.effective_category.label("category"),
            T.subcategory,
            T.date,
            T.timestamp,
            T.pending,
            T.currency_code,
        )
        .select_from(page)
        .join(BankTransaction.__table__, T.id == page.c.pid)
        .join(FinancialAccount.__table__, A.id == T.account_id)
        .order_by(page.c.pdate.desc(), page.c.pid.desc())
    )


def summary_query(organization_id: uuid.UUID, f: TransactionFilter) -> Select[Any]:
    """matched (count), income and expenses over every matching row: also the list's total.

    Without filters (or with only an account) these are the trigger-kept per-account totals;
    otherwise one aggregate over the matching rows, which the indexes narrow."""
    if unfiltered(f):
        where = [X.organization_id == bindparam("org", organization_id)]
        if f.account_id is not None:
            where.append(X.account_id == bindparam("account", f.account_id))
        return select(
            func.coalesce(func.sum(X.transactions), 0).label("matched"),
            func.coalesce(func.sum(X.income), 0).label("income"),
            func.coalesce(func.sum(X.expenses), 0).label("expenses"),
        ).where(*where)
    return select(
        func.count().label("matched"),
        func.coalesce(func.sum(T.amount).filter(T.amount > 0), 0).label("income"),
        func.coalesce(func.sum(-T.amount).filter(T.amount < 0), 0).label("expenses"),
    ).where(*_where(organization_id, f))


class _ByShape:
    """One statement builder's compiled SQL, per filter shape (at most 2^7 of them)."""

    def __init__(self, build: Build):
        self._build = build
        self._compiled: dict[Shape, Compiled] = {}

    def __call__(self, organization_id: uuid.UUID, f: TransactionFilter) -> Compiled:
        shape = _shape(f)
        found = self._compiled.get(shape)
        if found is None:
            found = self._compiled[shape] = Compiled.of(self._build(organization_id, f))
        return found


_PAGE = _ByShape(page_query)
_SUMMARY = _ByShape(summary_query)
_VERSION = Compiled.of(
    select(V.version).where(V.organization_id == bindparam("org", type_=V.organization_id.type))
)
_ACCOUNT = Compiled.of(
    select(A.id).where(
        A.organization_id == bindparam("org", type_=A.organization_id.type),
        A.id == bindparam("account", type_=A.id.type),
    )
)


async def page(
    conn: Connection, organization_id: uuid.UUID, f: TransactionFilter
) -> Sequence[Record]:
    return await _PAGE(organization_id, f).fetch(conn, **params(organization_id, f))


async def summary(conn: Connection, organization_id: uuid.UUID, f: TransactionFilter) -> Record:
    row = await _SUMMARY(organization_id, f).fetchrow(conn, **params(organization_id, f))
    assert row is not None  # an aggregate without GROUP BY has its one row
    return row


async def data_version(conn: Connection, organization_id: uuid.UUID) -> int:
    """The organization's bank data version (migration 0011); 0 before its first write."""
    row = await _VERSION.fetchrow(conn, org=organization_id)
    return 0 if row is None else int(row[0])


async def account_exists(
    conn: Connection, organization_id: uuid.UUID, account_id: uuid.UUID
) -> bool:
    return await _ACCOUNT.fetchrow(conn, org=organization_id, account=account_id) is not None
