"""Provider grants made in the test stack's sandbox (through the shared fixtures
`plaid_provider` and `knobs`, tests/conftest.py), and waiting for the worker's jobs."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from sqlalchemy import text

from server.db.database import Database
from server.providers.base import Link
from server.providers.plaid import PlaidProvider


async def plaid_link(plaid: PlaidProvider, accounts: list[str] | None = None) -> Link:
    """A Plaid item as Link + exchange would give it (accounts: the sandbox's kinds)."""
    options: dict[str, Any] | None = {"accounts": accounts} if accounts is not None else None
    return await plaid.exchange(await plaid.sandbox_public_token("ins_3", options))


def teller_token() -> str:
    """A fresh Teller sandbox enrollment: its knobs are per token."""
    return f"test_token_{uuid.uuid4().hex}"


async def finished_job(db: Database, job_id: int, *, within_s: float = 60) -> tuple[str, int]:
    """Waits for the worker to finish a job: its (status, attempts)."""
    deadline = time.monotonic() + within_s
    while True:
        async with db.transaction() as s:
            row = (
                await s.execute(
                    text("SELECT status, attempts FROM procrastinate_jobs WHERE id = :id"),
                    {"id": job_id},
                )
            ).one()
        if row.status in ("succeeded", "failed", "cancelled", "aborted"):
            return str(row.status), int(row.attempts)
        assert time.monotonic() < deadline, f"job {job_id} still {row.status}"
        await asyncio.sleep(0.2)
