"""Revoking a deleted connection's access at its provider: queued in the delete's transaction.

Why a job and not a call in the request: the delete must not wait on (or fail with) the
provider, and a provider outage must not leave the access alive. The job row is inserted by the
same transaction that deletes the connection (procrastinate's own `defer_jobs` SQL function),
so either both happen or neither: no deleted connection without its revocation, no revocation of
a connection that still exists. The worker retries it with backoff (server.jobs.app.RETRY) until
the provider confirms.

procrastinate stores job arguments as plain JSON, so the job carries the access token SEALED
(server.encryption.Vault); only the worker unseals it, just before the provider call.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.jobs import queues

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
            # One provider call per connection at a time, after any sync job holding the lock.
            "lock": f"bank-connection:{connection_id}",
            "args": json.dumps(args),
        },
    )
    return int(job_id or 0)
