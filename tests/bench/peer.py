"""The bench-only peer: GET /api/v1/banking/transactions as a Python team would usually write
it, with FastAPI, pydantic and the SQLAlchemy ORM, on the same database and indexes.

It is generous to the peer: no authentication, no tenant lookup, no rate limit, no Envoy in
front; the organization comes from the query. `python -m tests.bench.peer PORT DATABASE_URL`.
"""

import datetime as dt
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

import server.schema as _every_table  # noqa: F401
from server.banking.models import BankTransaction, FinancialAccount


class TransactionOut(BaseModel):
    id: uuid.UUID
    accountId: uuid.UUID
    accountName: str
    amount: float
    description: str
    merchantName: str | None
    merchantCategory: str | None
    category: str | None
    subcategory: str | None
    date: dt.datetime
    timestamp: dt.datetime | None
    pending: bool
    currencyCode: str
    transactionType: str


class Pagination(BaseModel):
    page: int
    limit: int
    total: int
    pages: int


class Summary(BaseModel):
    totalIncome: float
    totalExpenses: float
    netFlow: float
    transactionCount: int


class Page(BaseModel):
    success: bool
    data: list[TransactionOut]
    pagination: Pagination
    summary: Summary


def build(database_url: str) -> FastAPI:
    engine = create_async_engine(database_url, pool_size=10)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()

    async def session() -> AsyncIterator[AsyncSession]:
        async with sessions() as s:
            yield s

    @app.get("/api/v1/banking/transactions", response_model=Page)
    async def transactions(
        organizationId: uuid.UUID,
        s: Annotated[AsyncSession, Depends(session)],
        page: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        category: str | None = None,
        minAmount: Decimal | None = None,
        maxAmount: Decimal | None = None,
        startDate: dt.datetime | None = None,
        endDate: dt.datetime | None = None,
    ) -> Page:
        t = BankTransaction
        filters = [t.organization_id == organizationId]
        if category:
            # The category shown: the user's own, else the provider's (a stored column).
            filters.append(t.effective_category == category)
        if minAmount is not None:
            filters.append(t.amount >= minAmount)
        if maxAmount is not None:
            filters.append(t.amount <= maxAmount)
        if startDate:
            filters.append(t.date >= startDate)
        if endDate:
            filters.append(t.date <= endDate)
        rows = (
            await s.execute(
                select(t, FinancialAccount.name)
                .join(FinancialAccount, FinancialAccount.id == t.account_id)
                .where(*filters)
                .order_by(t.date.desc(), t.id.desc())
                .offset((page - 1) * limit)
                .limit(limit)
            )
        ).all()
        income, expenses, count = (
            await s.execute(
                select(
                    func.coalesce(func.sum(case((t.amount > 0, t.amount))), 0),
                    func.coalesce(func.sum(case((t.amount < 0, -t.amount))), 0),
                    func.count(),
                ).where(*filters)
            )
        ).one()
        data = [
            TransactionOut(
                id=txn.id,
                accountId=txn.account_id,
                accountName=name,
                amount=float(txn.amount),
                description=txn.description,
                merchantName=txn.merchant_name,
                merchantCategory=txn.merchant_category,
                category=txn.user_category or txn.category,
                subcategory=txn.subcategory,
                date=txn.date,
                timestamp=txn.timestamp,
                pending=txn.pending,
                currencyCode=txn.currency_code,
                transactionType="credit" if txn.amount > 0 else "debit",
            )
            for txn, name in rows
        ]
        return Page(
            success=True,
            data=data,
            pagination=Pagination(
                page=page, limit=limit, total=count, pages=(count + limit - 1) // limit
            ),
            summary=Summary(
                totalIncome=float(income),
                totalExpenses=float(expenses),
                netFlow=float(income - expenses),
                transactionCount=count,
            ),
        )

    return app


def main(argv: list[str]) -> int:
    port, database_url = int(argv[0]), argv[1]
    uvicorn.run(
        build(database_url), host="127.0.0.1", port=port, log_level="warning", loop="uvloop"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
