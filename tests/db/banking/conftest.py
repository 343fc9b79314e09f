import pytest

from server.dev.devstack.postgres import as_role
from server.platform.db.database import Database
from server.platform.db.rls import APP_ROLE


@pytest.fixture(scope="module")
async def app_db(stack):
    """The server's own role: what the sync engine writes with, under row-level security."""
    database = Database(as_role(stack.database_url, APP_ROLE), pool_size=2)
    yield database
    await database.dispose()
