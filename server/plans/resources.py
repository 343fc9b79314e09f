"""Every resource a plan limits, in one explicit catalog.

A counted resource is a table whose rows per organization a plan caps. Listing them here,
not registering them from the domains that own the tables, means `limits.exceeded()` (a
downgrade's check) sees every one whichever modules the process imported. Counting is a plain
SQL count over the owner's table, named here (plans sit below the domains that own the tables
and import none of them; tests/unit/plans checks that each table exists with that column).

Each resource `x` is limited by the plans' `max_x` (PlanLimits); tests/unit/plans checks that
every limit the plans state is counted here or listed in NOT_YET_COUNTED.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from server.plans.catalog import Plan

Counter = Callable[[AsyncSession, uuid.UUID], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class CountedResource:
    """A resource whose number per organization a plan limits."""

    name: str  # plural, snake_case: bank_accounts, budgets
    limit: Callable[[Plan], int | None]  # None: unlimited on that plan
    count: Counter  # rows the organization holds now
    label: str = ""  # singular for messages ("Bank account"); derived from name when empty

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").removesuffix("s").capitalize()


def rows_of(table_name: str) -> Counter:
    """Counts an organization's rows of a table with an `organization_id` column."""
    rows = table(table_name, column("organization_id"))

    async def count(s: AsyncSession, organization_id: uuid.UUID) -> int:
        stmt = (
            select(func.count()).select_from(rows).where(rows.c.organization_id == organization_id)
        )
        return int((await s.execute(stmt)).scalar_one())

    return count


# The table each resource counts (tests/unit/plans checks them against the models).
TABLES = {
    "bank_accounts": "financial_accounts",
    "budgets": "budgets",
    "wallets": "crypto_wallets",
    "asset_accounts": "asset_accounts",
    "goals": "goals",
}

BANK_ACCOUNTS = CountedResource(
    name="bank_accounts",
    limit=lambda plan: plan.limits.max_bank_accounts,
    count=rows_of(TABLES["bank_accounts"]),
    label="Bank account",
)
BUDGETS = CountedResource(
    name="budgets", limit=lambda plan: plan.limits.max_budgets, count=rows_of(TABLES["budgets"])
)

WALLETS = CountedResource(
    name="wallets", limit=lambda plan: plan.limits.max_wallets, count=rows_of(TABLES["wallets"])
)

ASSET_ACCOUNTS = CountedResource(
    name="asset_accounts",
    limit=lambda plan: plan.limits.max_asset_accounts,
    count=rows_of(TABLES["asset_accounts"]),
    label="Asset account",
)

GOALS = CountedResource(
    name="goals", limit=lambda plan: plan.limits.max_goals, count=rows_of(TABLES["goals"])
)

CATALOG: dict[str, CountedResource] = {
    r.name: r for r in (BANK_ACCOUNTS, BUDGETS, WALLETS, ASSET_ACCOUNTS, GOALS)
}

# Limits the plans state for resources that have no table yet (none today).
NOT_YET_COUNTED: tuple[str, ...] = ()
