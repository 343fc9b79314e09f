"""The transactions a budget counts: an organization's spending in one period.

The single place budgets read bank transactions (server/banking/models.py): money out
(negative amounts, counted as positive spend) dated within the budget's current period, and
matching its source: CATEGORY compares the transaction's category (the user's own, if set:
`effective_category`) with `sourceId` case-insensitively, ACCOUNT its account id, ALL takes
every account. Every figure of every budget is computed from these, never stored. RLS scopes
the query to the organization.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ColumnElement, Uuid, and_, false, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.models import BankTransaction
from server.budgets.models import Budget
from server.budgets.progress import Spend
from server.platform.common.ids import parse_id


def _matches(b: Budget, lo: dt.date, hi: dt.date) -> ColumnElement[bool]:
    t = BankTransaction
    # Whole UTC days, compared as timestamps so the (organization_id, date) index serves it.
    start = dt.datetime.combine(lo, dt.time(), dt.UTC)
    end = dt.datetime.combine(hi + dt.timedelta(days=1), dt.time(), dt.UTC)
    window = and_(t.date >= start, t.date < end, t.amount < 0)
    if b.source_type == "CATEGORY":
        category = func.lower(t.effective_category)
        return and_(window, category == func.lower(literal(b.source_id or "")))
    if b.source_type == "ACCOUNT":
        account_id = parse_id(b.source_id or "")
        return and_(window, t.account_id == account_id) if account_id else false()
    return window


async def spends_for(
    s: AsyncSession, budgets: list[Budget], periods: dict[uuid.UUID, tuple[dt.date, dt.date]]
) -> dict[uuid.UUID, list[Spend]]:
    """Spending per budget id within each budget's current period, oldest first."""
    spends: dict[uuid.UUID, list[Spend]] = {b.id: [] for b in budgets}
    if not budgets:
        return spends
    t = BankTransaction
    # One query for every budget: each row says which budget it counts for.
    parts = [
        select(literal(b.id, Uuid).label("budget_id"), t.id, t.amount, t.description, t.date).where(
            _matches(b, *periods[b.id])
        )
        for b in budgets
    ]
    query = parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])
    rows = await s.execute(query.order_by("date"))
    for budget_id, txn_id, amount, description, date in rows.all():
        spends[budget_id].append(Spend(str(txn_id), -amount, description, date))
    return spends
