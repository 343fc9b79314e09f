"""Where queue statistics come from: any async source of objects shaped like QueueStatsLike.

The job queue (server/platform/jobs, procrastinate) provides `queue_stats(db) -> list[QueueStats]`;
the admin service depends only on this shape so it can be built and tested without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol


class QueueStatsLike(Protocol):
    """One queue's figures, as the job queue reports them."""

    @property
    def name(self) -> str: ...
    @property
    def processed(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def completed(self) -> int: ...
    @property
    def waiting(self) -> int: ...
    @property
    def active(self) -> int: ...
    @property
    def delayed(self) -> int: ...
    @property
    def average_processing_ms(self) -> int: ...
    # Unix seconds of the latest finished job; 0 before the first.
    @property
    def last_job_timestamp(self) -> int: ...
    @property
    def health_status(self) -> str: ...


QueueStatsSource = Callable[[], Awaitable[Sequence[QueueStatsLike]]]
