"""Net-worth snapshots written straight into PostgreSQL (as the schema owner, past RLS), as the
daily job leaves them: one per organization and day."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import insert

import server.schema as _every_table  # noqa: F401  (foreign keys resolve by name)
from server.networth.models import Snapshot
from server.platform.common.ids import new_id
from server.platform.db.database import Database


def snapshot_values(day_index: int) -> dict[str, Decimal]:
    """A deterministic, wandering balance sheet for the day_index-th day."""
    cash = Decimal(30000 + 137 * day_index % 5000)
    crypto = Decimal(120000 + (day_index * 7919) % 40000) - Decimal(day_index % 13) * 1000
    investments = Decimal(200000 + 50 * day_index)
    real_estate = Decimal(200000)
    vehicles = Decimal(7100) - Decimal(day_index)
    assets = cash + crypto + investments + real_estate + vehicles
    liabilities = Decimal(110000 - 20 * day_index)
    return {
        "cash": cash,
        "crypto": crypto,
        "investments": investments,
        "real_estate": real_estate,
        "vehicles": vehicles,
        "total_assets": assets,
        "total_liabilities": liabilities,
        "total_net_worth": assets - liabilities,
    }


async def insert_snapshots(
    db: Database, organization_id: str | uuid.UUID, days: list[dt.date]
) -> dict[dt.date, dict[str, Decimal]]:
    values = {day: snapshot_values(i) for i, day in enumerate(days)}
    async with db.transaction() as s:
        await s.execute(
            insert(Snapshot),
            [
                {"id": new_id(), "organization_id": organization_id, "snapshot_date": day, **v}
                for day, v in values.items()
            ],
        )
    return values
