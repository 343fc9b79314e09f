import pytest

from server.db.database import Database
from server.db.rls import APP_ROLE
from server.devstack.postgres import as_role


@pytest.fixture(scope="module")
async def app_db(stack):
    """The server's own role: what the sync engine writes with, under row-level security."""
    database = Database(as_role(stack.database_url, APP_ROLE), pool_size=2)
    yield database
    await database.dispose()
