"""`scratch`: a fresh, migrated database per test, in the session's PostgreSQL, for tests that run
their own workers: job counts start at zero and no other worker (the session stack's) takes
these jobs."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.platform.config import Settings
from server.platform.db.database import Database
from tests.conftest import ROOT
from tests.secrets import make_settings

TEMPLATE = "fingate_jobs_template"


def _url(base: str, database: str) -> str:
    return make_url(base).set(database=database).render_as_string(hide_password=False)


async def _admin(base_url: str, *statements: str) -> None:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def jobs_template(stack):
    """A database migrated to head once per session, copied by each test."""
    await _admin(
        stack.database_url,
        f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)",
        f"CREATE DATABASE {TEMPLATE}",
    )
    url = _url(stack.database_url, TEMPLATE)
    subprocess.run(
        [sys.executable, "-m", "server.platform.db.migrate"],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    yield TEMPLATE
    await _admin(stack.database_url, f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")


@dataclass
class Scratch:
    url: str
    db: Database

    def settings(self, **env: str) -> Settings:
        return make_settings(DATABASE_URL=self.url, **env)


@pytest.fixture
async def scratch(stack, jobs_template):
    name = f"fingate_jobs_{uuid.uuid4().hex[:12]}"
    await _admin(stack.database_url, f"CREATE DATABASE {name} TEMPLATE {jobs_template}")
    url = _url(stack.database_url, name)
    db = Database(url, pool_size=2)
    yield Scratch(url=url, db=db)
    await db.dispose()
    await _admin(stack.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
