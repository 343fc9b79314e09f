"""Provider grants made in the test stack's sandbox (through the shared fixtures
`plaid_provider` and `knobs`, tests/conftest.py, or its HTTP API directly: Teller Connect
payloads, Plaid public tokens), and waiting for the worker's jobs and syncs."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from server.platform.config import SANDBOX_PLAID_CLIENT_ID, SANDBOX_PLAID_SECRET
from server.platform.db.database import Database
from server.providers.base import Link
from server.providers.plaid import PlaidProvider

PLAID_KEYS = {"client_id": SANDBOX_PLAID_CLIENT_ID, "secret": SANDBOX_PLAID_SECRET}


async def plaid_link(plaid: PlaidProvider, accounts: list[str] | None = None) -> Link:
    """A Plaid item as Link + exchange would give it (accounts: the sandbox's kinds)."""
    options: dict[str, Any] | None = {"accounts": accounts} if accounts is not None else None
    return await plaid.exchange(await plaid.sandbox_public_token("ins_3", options))


def teller_token() -> str:
    """A fresh Teller sandbox enrollment (a checking and a savings account at Chase): its knobs
    are per token."""
    return f"test_token_{uuid.uuid4().hex}"


def enrollment(token: str, enrollment_id: str | None = None) -> dict[str, Any]:
    """Teller Connect's payload, as seed 004's example has it."""
    return {
        "accessToken": token,
        "enrollment": {
            "id": enrollment_id or f"enr_{uuid.uuid4().hex[:12]}",
            "institution": {"id": "chase", "name": "Chase Bank"},
        },
    }


def plaid_public_token(
    sandbox_url: str, *, accounts: list[str] | None = None, count_per_account: int = 5
) -> str:
    """What Plaid Link hands a client: a public token of a fresh sandbox item."""
    options: dict[str, Any] = {"transactions": {"count_per_account": count_per_account}}
    if accounts is not None:
        options["accounts"] = accounts
    response = httpx.post(
        f"{sandbox_url}/plaid/sandbox/public_token/create",
        json={
            **PLAID_KEYS,
            "institution_id": "ins_3",
            "initial_products": ["transactions"],
            "options": options,
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["public_token"])


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


async def wait_for_sync(db: Database, connection_id: str, *, timeout: float = 60.0) -> str:
    """The connection's last sync status once the worker has finished a sync of it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.transaction() as s:
            status = await s.scalar(
                text("SELECT last_sync_status FROM bank_connections WHERE id = :id"),
                {"id": uuid.UUID(connection_id)},
            )
        if status in ("SUCCESS", "FAILED"):
            return str(status)
        await asyncio.sleep(0.2)
    raise AssertionError(f"the sync of connection {connection_id} did not finish")
