"""Migration 0003: procrastinate's schema comes with the upgrade and goes with the downgrade."""

import asyncio

from alembic import command
from sqlalchemy import text

from server.platform.db.migrate import alembic_config

_OBJECTS = """
SELECT (SELECT count(*) FROM pg_tables WHERE tablename LIKE 'procrastinate%')
     + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%')
     + (SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%' AND typtype IN ('e', 'c'))
"""


async def _objects(scratch) -> int:
    async with scratch.db.read() as s:
        return int((await s.execute(text(_OBJECTS))).scalar())


async def test_downgrade_drops_the_queue_schema_and_upgrade_restores_it(scratch):
    applied = await _objects(scratch)
    assert applied > 0
    await scratch.db.dispose()  # Alembic runs on its own connection, in a thread
    cfg = alembic_config(scratch.url)

    await asyncio.to_thread(command.downgrade, cfg, "0001")
    assert await _objects(scratch) == 0

    await asyncio.to_thread(command.upgrade, cfg, "head")
    assert await _objects(scratch) == applied
