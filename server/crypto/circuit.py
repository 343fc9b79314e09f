"""The portfolio provider's circuit breaker, as every process sees it.

The breaker itself lives in the adapter of the process that calls the provider (the worker);
when it opens, the sync job records until when here, so that a server process refuses a sync
request at once with 503 PROVIDER_ERROR and `details {provider, retryAfter}` (the documented
503) rather than queueing a job bound to fail. A completed sync clears the record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Awaitable, Callable

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.crypto.models import ProviderCircuit
from server.platform.db.database import Database
from server.platform.errors import ProviderFailure

PROVIDER = "zerion"
UNAVAILABLE = "External service temporarily unavailable"


async def ensure_closed(s: AsyncSession) -> None:
    """Raises ProviderFailure (503) while the provider's circuit is open."""
    until = (
        await s.execute(
            select(ProviderCircuit.open_until).where(ProviderCircuit.provider == PROVIDER)
        )
    ).scalar_one_or_none()
    left = (until - dt.datetime.now(dt.UTC)).total_seconds() if until else 0
    if left > 0:
        seconds = math.ceil(left)
        raise ProviderFailure(
            UNAVAILABLE, details={"provider": PROVIDER, "retryAfter": seconds}, retry_after=seconds
        )


async def record_open(s: AsyncSession, retry_after: float) -> None:
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=retry_after)
    await s.execute(
        insert(ProviderCircuit)
        .values(provider=PROVIDER, open_until=until)
        .on_conflict_do_update(
            index_elements=[ProviderCircuit.provider], set_={"open_until": until}
        )
    )


async def record_closed(s: AsyncSession) -> None:
    await s.execute(delete(ProviderCircuit).where(ProviderCircuit.provider == PROVIDER))


def circuit_reader(db: Database) -> Callable[[], Awaitable[list[Metric]]]:
    """The shared record as a scrape-time family (server/platform/metrics/exposition.py):
    seconds the portfolio provider's circuit stays open, 0 while closed."""

    async def read() -> list[Metric]:
        async with db.read() as s:
            until = (
                await s.execute(
                    select(ProviderCircuit.open_until).where(ProviderCircuit.provider == PROVIDER)
                )
            ).scalar_one_or_none()
        left = (until - dt.datetime.now(dt.UTC)).total_seconds() if until else 0.0
        family = GaugeMetricFamily(
            "fingate_provider_circuit_open_seconds",
            "Seconds a provider's shared circuit record stays open (0: closed).",
            labels=["provider"],
        )
        family.add_metric([PROVIDER], max(left, 0.0))
        return [family]

    return read
