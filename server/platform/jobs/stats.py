"""Per-queue figures read from procrastinate's tables, for the admin service.

Every figure covers the jobs still stored: finished jobs are deleted after
JOB_RETENTION_HOURS (maintenance.cleanup), so counts are over that window.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from server.platform.db.database import Database
from server.platform.jobs import queues

# Health thresholds (see health_status).
DEGRADED_WAIT_S = 60
UNHEALTHY_WAIT_S = 600
DEGRADED_FAILURE_RATIO = 0.10
UNHEALTHY_FAILURE_RATIO = 0.50
RECENT_HOURS = 24

# One pass over jobs and their events. A job's times come from its events: the last
# `started`, the last finishing event, and the last event of any kind (for a job in `todo`,
# when it was deferred or put back for a retry).
_SQL = text(
    """
    WITH job AS (
        SELECT j.queue_name, j.status, j.scheduled_at,
               max(e.at) FILTER (WHERE e.type = 'started') AS started_at,
               max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed', 'aborted'))
                   AS finished_at,
               max(e.at) AS last_event_at
          FROM procrastinate_jobs j
          LEFT JOIN procrastinate_events e ON e.job_id = j.id
         GROUP BY j.id
    ), due AS (
        SELECT *, status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now()) AS waiting
          FROM job
    )
    SELECT queue_name,
           count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'aborted')) AS processed,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'succeeded') AS completed,
           count(*) FILTER (WHERE waiting) AS waiting,
           count(*) FILTER (WHERE status = 'doing') AS active,
           count(*) FILTER (WHERE status = 'todo' AND scheduled_at > now()) AS delayed,
           coalesce(round(avg(extract(epoch FROM finished_at - started_at) * 1000)
               FILTER (WHERE status IN ('succeeded', 'failed') AND finished_at >= started_at)
           ), 0)::bigint AS average_processing_ms,
           coalesce(floor(extract(epoch FROM max(finished_at))), 0)::bigint AS last_job_timestamp,
           coalesce(floor(extract(epoch FROM max(now() - greatest(scheduled_at, last_event_at))
               FILTER (WHERE waiting))), 0)::bigint AS oldest_wait_s,
           count(*) FILTER (WHERE status IN ('succeeded', 'failed')
               AND finished_at > now() - make_interval(hours => :recent_hours)) AS recent_done,
           count(*) FILTER (WHERE status = 'failed'
               AND finished_at > now() - make_interval(hours => :recent_hours)) AS recent_failed
      FROM due
     GROUP BY queue_name
    """
)


@dataclass(frozen=True, slots=True)
class QueueStats:
    name: str
    processed: int
    failed: int
    completed: int
    waiting: int
    active: int
    delayed: int
    average_processing_ms: int
    last_job_timestamp: int
    health_status: str


def health_status(*, oldest_wait_s: int, recent_done: int, recent_failed: int) -> str:
    """Healthy, degraded or unhealthy, from how long jobs wait and how often they fail.

    - unhealthy: a job due to run has waited more than 10 minutes (no worker is taking the
      queue), or more than half of the jobs finished in the last 24 hours failed;
    - degraded: a due job has waited more than a minute, or more than 10 % of the jobs
      finished in the last 24 hours failed;
    - healthy otherwise (an empty queue is healthy).
    """
    ratio = recent_failed / recent_done if recent_done else 0.0
    if oldest_wait_s > UNHEALTHY_WAIT_S or ratio > UNHEALTHY_FAILURE_RATIO:
        return "unhealthy"
    if oldest_wait_s > DEGRADED_WAIT_S or ratio > DEGRADED_FAILURE_RATIO:
        return "degraded"
    return "healthy"


async def queue_stats(db: Database) -> list[QueueStats]:
    """One QueueStats per known queue (server.platform.jobs.queues.ALL, in that order, zeros when
    empty), then any other queue that has jobs, by name.

    processed: finished jobs (succeeded, failed or aborted); failed: status failed;
    completed: status succeeded; waiting: in todo and due; delayed: in todo and scheduled
    for later (a retry's backoff included); active: in doing; average_processing_ms: mean
    duration of the last attempt of succeeded and failed jobs; last_job_timestamp: when the
    last job finished (unix seconds, 0 if none); health_status: see health_status().
    """
    async with db.read() as s:
        rows = (await s.execute(_SQL, {"recent_hours": RECENT_HOURS})).mappings().all()
    by_name = {row["queue_name"]: row for row in rows}
    names = [*queues.ALL, *sorted(set(by_name) - set(queues.ALL))]
    result = []
    for name in names:
        row = by_name.get(name)
        if row is None:
            result.append(QueueStats(name, 0, 0, 0, 0, 0, 0, 0, 0, "healthy"))
            continue
        result.append(
            QueueStats(
                name=name,
                processed=row["processed"],
                failed=row["failed"],
                completed=row["completed"],
                waiting=row["waiting"],
                active=row["active"],
                delayed=row["delayed"],
                average_processing_ms=row["average_processing_ms"],
                last_job_timestamp=row["last_job_timestamp"],
                health_status=health_status(
                    oldest_wait_s=row["oldest_wait_s"],
                    recent_done=row["recent_done"],
                    recent_failed=row["recent_failed"],
                ),
            )
        )
    return result


# The figures a metrics scrape reads: cheap (jobs still to run only, not the finished ones).
_DEPTH_SQL = text(
    """
    SELECT j.queue_name,
           count(*) FILTER (WHERE j.status = 'todo') AS waiting,
           count(*) FILTER (WHERE j.status = 'doing') AS running,
           coalesce(extract(epoch FROM max(now() - greatest(j.scheduled_at, e.at))
               FILTER (WHERE j.status = 'todo')), 0)::float AS oldest_wait_s
      FROM procrastinate_jobs j
      LEFT JOIN LATERAL (
            SELECT max(ev.at) AS at FROM procrastinate_events ev WHERE ev.job_id = j.id
      ) e ON j.status = 'todo'
     WHERE j.status = 'doing'
        OR (j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now()))
     GROUP BY j.queue_name
    """
)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    name: str
    waiting: int  # in todo and due
    running: int  # in doing
    oldest_wait_s: float  # how long the longest-waiting due job has waited (0 when none)


OTHER_QUEUE = "other"


async def queue_depths(db: Database) -> list[QueueDepth]:
    """One QueueDepth per known queue (queues.ALL, zeros when empty); jobs of any other queue
    are summed under `other`, so the set of names stays bounded."""
    async with db.read() as s:
        rows = (await s.execute(_DEPTH_SQL)).all()
    found: dict[str, QueueDepth] = {name: QueueDepth(name, 0, 0, 0.0) for name in queues.ALL}
    for name, waiting, running, oldest in rows:
        key = name if name in found else OTHER_QUEUE
        was = found.get(key, QueueDepth(key, 0, 0, 0.0))
        found[key] = QueueDepth(
            key, was.waiting + waiting, was.running + running, max(was.oldest_wait_s, oldest)
        )
    return list(found.values())
