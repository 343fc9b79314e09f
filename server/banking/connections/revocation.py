"""Revoking a deleted connection's access at its provider: queued in the delete's transaction.

Why a job and not a call in the request: the delete must not wait on (or fail with) the
provider, and a provider outage must not leave the access alive. The job row is inserted by the
same transaction that deletes the connection (procrastinate's own `defer_jobs` SQL function),
so either both happen or neither: no deleted connection without its revocation, no revocation of
a connection that still exists. The worker retries it with backoff (server.platform.jobs.app.RETRY)
until the provider confirms.

procrastinate stores job arguments as plain JSON, so the job carries the access token SEALED
(server.platform.encryption.Vault); only the worker unseals it, just before the provider call.
"""

from __future__ import annotations

import json
import logging
import uuid

from procrastinate import JobContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.sync.locks import lock_for
from server.platform.encryption import Vault
from server.platform.jobs import queues
from server.platform.jobs.app import RETRY, app, runtime
from server.providers.errors import FAILURES, Kind, classify
from server.providers.registry import provider_for

log = logging.getLogger("fingate.banking.revocation")

TASK_NAME = "banking.revoke_access"

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    ":queue, :task, 0, :lock, NULL, CAST(:args AS jsonb), NULL"
    ")::procrastinate_job_to_defer_v1]))"
)


async def queue_revocation(
    s: AsyncSession, *, provider: str, sealed_token: str, connection_id: uuid.UUID
) -> int:
    """Queues the revocation in `s`'s transaction; its job id."""
    args = {"provider": provider, "sealed_token": sealed_token, "connection_id": str(connection_id)}
    job_id = await s.scalar(
        _DEFER,
        {
            "queue": queues.BANK_SYNC,
            "task": TASK_NAME,
            # The sync's job lock: a sync of this connection still running finishes first.
            "lock": lock_for(connection_id),
            "args": json.dumps(args),
        },
    )
    return int(job_id or 0)


@app.task(name=TASK_NAME, queue=queues.BANK_SYNC, pass_context=True, retry=RETRY)
async def revoke_access(
    context: JobContext, provider: str, sealed_token: str, connection_id: str
) -> str:
    """Revokes the grant at the provider; a provider error raises, and the job is retried."""
    settings = runtime(context).settings
    try:
        token = Vault.from_settings(settings).unseal(sealed_token)
        adapter = provider_for(provider, settings)
        await adapter.remove(token)
    except FAILURES as exc:
        found = classify(exc)
        if found.grant_gone:
            return "already revoked"  # what this job wanted
        if found in (Kind.TOKEN_UNREADABLE, Kind.UNSUPPORTED):
            # Nothing a retry can change; the reason stays in the job's log line.
            log.warning(
                "revocation impossible",
                extra={"connection_id": connection_id, "error": type(exc).__name__},
            )
            return "impossible"
        raise
    return "revoked"
