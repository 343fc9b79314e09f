"""The transactions a budget counts: an organization's spending in one period.

Bank transactions arrive with the banking issue; until then an organization has none, and this
is the single place that will read them (by source type and id, between two dates), so every
figure of every budget is computed, never stored.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from server.budgets.models import Budget
from server.budgets.progress import Spend


async def spends_for(
    s: AsyncSession, budgets: list[Budget], periods: dict[uuid.UUID, tuple[dt.date, dt.date]]
) -> dict[uuid.UUID, list[Spend]]:
    """Spending per budget id within each budget's current period (RLS scopes the query)."""
    return {b.id: [] for b in budgets}
