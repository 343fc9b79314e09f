"""A worker killed in the middle of a 20,000-transaction sync: after a restart the sync finishes
from its last committed page, and the transactions stored equal the provider's, each once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable

from procrastinate.jobs import Status
from sqlalchemy import text

from server.banking.sync.locks import lock_for
from server.dev.devstack.postgres import as_role
from server.dev.devstack.process import spawn, stop_process
from server.platform.db.rls import APP_ROLE
from server.platform.jobs.app import connect
from tests.conftest import ROOT
from tests.factories.banking import insert_connection, insert_org
from tests.secrets import JWT_SECRET

PER_ACCOUNT = 10_000  # checking and savings: 20,000 in all, 40 pages of 500
DEADLINE_S = 120.0


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    try:
        async with asyncio.timeout(DEADLINE_S):
            while not await check():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"not within {DEADLINE_S:g}s: {what}") from None


def _worker(scratch, stack, log_path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "APP_ENV": "test",
        "JWT_SECRET": JWT_SECRET,
        # The server's role, under row-level security, as in production.
        "DATABASE_URL": as_role(scratch.url, APP_ROLE),
        "PLAID_API_BASE": f"{stack.sandbox_url}/plaid",
        "TELLER_API_BASE": f"{stack.sandbox_url}/teller",
        "JOB_STALLED_AFTER_SECONDS": "2",
        "SHUTDOWN_GRACE_SECONDS": "5",
        "SMTP_PORT": "9",  # no budget alert can fire here; mail would go nowhere
    }
    return spawn([sys.executable, "-m", "server.worker"], log_path=log_path, env=env, cwd=ROOT)


async def _stored(scratch, connection) -> tuple[int, int]:
    async with scratch.db.read() as s:
        row = (
            await s.execute(
                text(
                    "SELECT count(*), count(DISTINCT (t.account_id, t.provider_transaction_id))"
                    " FROM bank_transactions t JOIN financial_accounts a ON a.id = t.account_id"
                    " WHERE a.connection_id = :c"
                ),
                {"c": connection},
            )
        ).one()
    return int(row[0]), int(row[1])


async def _state(scratch, connection) -> str | None:
    async with scratch.db.read() as s:
        return await s.scalar(
            text("SELECT status FROM bank_sync_states WHERE connection_id = :c"),
            {"c": connection},
        )


async def test_a_sync_killed_mid_way_resumes_and_never_duplicates(
    scratch, stack, plaid_provider, knobs, tmp_path
):
    public = await plaid_provider.sandbox_public_token(
        "ins_3",
        {"transactions": {"count_per_account": PER_ACCOUNT}, "accounts": ["checking", "savings"]},
    )
    link = await plaid_provider.exchange(public)
    # Slow pages, so the kill lands with part of the history committed.
    knobs.plaid_faults(link.access_token, delay_ms=100)
    user, org = await insert_org(scratch.db)
    connection = await insert_connection(
        scratch.db, org, user, access_token=link.access_token, item_id=link.item_id
    )
    first = _worker(scratch, stack, tmp_path / "first.log")
    second = None
    try:
        async with connect(scratch.settings(), max_connections=2) as app:
            lock = lock_for(connection)
            job_id = await (
                app.configure_task("banking.sync_connection", lock=lock, queueing_lock=lock)
            ).defer_async(organization_id=str(org), connection_id=str(connection), sync_type="full")

            async def some_pages() -> bool:
                return (await _stored(scratch, connection))[0] >= 2_000

            await _until(some_pages, "a few pages are committed")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            at_kill = (await _stored(scratch, connection))[0]
            assert 0 < at_kill < 2 * PER_ACCOUNT
            knobs.plaid_faults(link.access_token, delay_ms=0)
            second = _worker(scratch, stack, tmp_path / "second.log")

            async def done() -> bool:
                # The killed job is retried, or ended when a queued twin (an auto-sync) waits
                # to do the same work: either way the connection's sync completes.
                return await _state(scratch, connection) == "SUCCESS"

            await _until(done, "the sync finishes after the restart")
            assert await app.job_manager.get_job_status_async(job_id) in (
                Status.SUCCEEDED,
                Status.FAILED,
            )
    finally:
        stop_process(first)
        if second is not None:
            stop_process(second)
    assert await _stored(scratch, connection) == (2 * PER_ACCOUNT, 2 * PER_ACCOUNT)
    async with scratch.db.read() as s:
        logs = (
            await s.execute(
                text("SELECT status, added FROM bank_sync_logs WHERE connection_id = :c"),
                {"c": connection},
            )
        ).all()
    # One finished sync, and it read only what the killed run had not committed.
    assert len(logs) == 1 and logs[0][0] == "SUCCESS"
    assert logs[0][1] <= 2 * PER_ACCOUNT - at_kill
