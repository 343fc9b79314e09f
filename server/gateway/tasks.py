"""The gateway's jobs: the minute health probe of every integration, and payments whose
scheduled time has come (queued for that time, with a minute sweeper for any whose job was
lost, which also resumes payments a dead process left PROCESSING)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from procrastinate import JobContext

from server.gateway import registry
from server.gateway.payments import Payments
from server.platform.encryption import Vault
from server.platform.errors import PaymentFailed
from server.platform.jobs import queues
from server.platform.jobs.app import app, runtime
from server.providers.rails import Rails

log = logging.getLogger("fingate.gateway")


@app.periodic(cron="* * * * *", periodic_id="gateway-health")
@app.task(name="gateway.probe_health", queue=queues.MAINTENANCE, pass_context=True)
async def probe_health(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    rails = Rails(rt.settings)
    try:
        found = await registry.check_all(
            rt.db,
            Vault.from_settings(rt.settings),
            rails,
            degraded_ms=rt.settings.gateway_degraded_ms,
            record=True,
        )
    finally:
        await rails.aclose()
    return sum(1 for result in found.values() if result is not None)


async def resume_stale(payments: Payments, now: dt.datetime) -> int:
    """Finishes the payments a dead process left PROCESSING; returns how many."""
    resumed = 0
    for payment in await payments.claim_stale(now):
        try:
            await payments.execute(payment)
        except PaymentFailed:
            pass  # recorded FAILED with its reasons
        resumed += 1
    return resumed


async def run_payment(payments: Payments, payment_id: uuid.UUID) -> str | None:
    """Makes a due scheduled payment once; its final status, or None when another runner has
    it (or it is not due)."""
    claimed = await payments.claim_scheduled(payment_id)
    if claimed is None:
        return None
    try:
        return (await payments.execute(claimed)).status
    except PaymentFailed:
        return "FAILED"


@app.task(name="gateway.scheduled_payment", queue=queues.MAINTENANCE, pass_context=True)
async def scheduled_payment(context: JobContext, payment_id: str) -> str | None:
    rt = runtime(context)
    rails = Rails(rt.settings)
    try:
        payments = Payments(rt.db, Vault.from_settings(rt.settings), rails)
        return await run_payment(payments, uuid.UUID(payment_id))
    finally:
        await rails.aclose()


@app.periodic(cron="* * * * *", periodic_id="gateway-due-payments")
@app.task(name="gateway.due_payments", queue=queues.MAINTENANCE, pass_context=True)
async def due_payments(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    rails = Rails(rt.settings)
    try:
        payments = Payments(rt.db, Vault.from_settings(rt.settings), rails)
        ran = await resume_stale(payments, dt.datetime.now(dt.UTC))
        for payment_id in await payments.due():
            if await run_payment(payments, payment_id) is not None:
                ran += 1
        return ran
    finally:
        await rails.aclose()
