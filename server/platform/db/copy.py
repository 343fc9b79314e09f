"""COPY on a session's own connection, inside its transaction: the bulk path of syncs.

A sync stages a page with COPY into a transaction-local temporary table and merges it with one
`INSERT … SELECT … ON CONFLICT`: an order of magnitude faster than multi-row VALUES, which
SQLAlchemy compiles anew for every batch size, and idempotent on the table's natural key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def copy_records(
    s: AsyncSession, table: str, records: Sequence[tuple[Any, ...]], columns: Sequence[str]
) -> None:
    raw = await (await s.connection()).get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table, records=records, columns=list(columns))
