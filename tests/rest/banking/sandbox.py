"""Provider grants made in the test stack's sandbox, for tests of routes that call providers."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from server.config import SANDBOX_PLAID_CLIENT_ID, SANDBOX_PLAID_SECRET, Settings
from server.db.database import Database
from server.providers.base import Link
from server.providers.plaid import PlaidProvider
from tests.secrets import make_settings


def sandbox_settings(stack: Any) -> Settings:
    return make_settings(
        PLAID_API_BASE=f"{stack.sandbox_url}/plaid",
        TELLER_API_BASE=f"{stack.sandbox_url}/teller",
        PROVIDER_TIMEOUT_SECONDS="10",
    )


async def plaid_link(stack: Any, accounts: list[str] | None = None) -> Link:
    """A Plaid item as Link + exchange would give it (accounts: the sandbox's kinds)."""
    plaid = PlaidProvider(sandbox_settings(stack))
    options: dict[str, Any] = {}
    if accounts is not None:
        options["accounts"] = accounts
    public = await plaid.sandbox_public_token("ins_3", options or None)
    return await plaid.exchange(public)


def teller_token() -> str:
    return f"test_token_{uuid.uuid4().hex}"


def plaid_knob(stack: Any, path: str, access_token: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.sandbox_url}/plaid{path}",
        json={
            "client_id": SANDBOX_PLAID_CLIENT_ID,
            "secret": SANDBOX_PLAID_SECRET,
            "access_token": access_token,
            **body,
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def teller_knob(stack: Any, access_token: str, **settings: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.sandbox_url}/teller/_sandbox/enrollments",
        json={"access_token": access_token, **settings},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


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
