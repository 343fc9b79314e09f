"""queue_stats on real procrastinate jobs in each state."""

import datetime as dt

from procrastinate.jobs import Status
from sqlalchemy import text

from server.platform.jobs import queues
from server.platform.jobs.app import connect
from server.platform.jobs.stats import QueueStats, queue_stats

EXTRA = "zz-reports"


async def _set_event_times(db, job_id: int, *, started: dt.datetime, ms: int) -> None:
    async with db.transaction() as s:
        await s.execute(
            text(
                "UPDATE procrastinate_events SET at = CASE type"
                " WHEN 'started' THEN CAST(:started AS timestamptz)"
                " ELSE CAST(:finished AS timestamptz) END WHERE job_id = :id"
                " AND type IN ('started', 'succeeded', 'failed')"
            ),
            {"id": job_id, "started": started, "finished": started + dt.timedelta(milliseconds=ms)},
        )


async def test_queue_stats__every_state_every_known_queue(scratch):
    async with connect(scratch.settings(), max_connections=2) as app:
        mail = app.configure_task("tests.stats", queue=queues.MAIL)
        for _ in range(5):
            await mail.defer_async()
        delayed = app.configure_task("tests.stats", queue=queues.MAIL, schedule_in={"hours": 1})
        await delayed.defer_async()
        stuck = await app.configure_task("tests.stats", queue=EXTRA).defer_async()

        manager = app.job_manager
        worker_id = await manager.register_worker()
        finished = []
        for status in (Status.SUCCEEDED, Status.SUCCEEDED, Status.FAILED):
            job = await manager.fetch_job([queues.MAIL], worker_id)
            assert job is not None and job.id is not None
            await manager.finish_job(job, status=status, delete_job=False)
            finished.append(job.id)
        assert await manager.fetch_job([queues.MAIL], worker_id) is not None  # left in doing

    # Known durations: 100, 200 and 600 ms; the first job finished long ago, the other two
    # (a success and the failure) five minutes ago.
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    old = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    for job_id, started, ms in zip(finished, (old, recent, recent), (100, 200, 600), strict=True):
        await _set_event_times(scratch.db, job_id, started=started, ms=ms)
    # The extra queue's job has waited 20 minutes: nobody serves that queue.
    async with scratch.db.transaction() as s:
        await s.execute(
            text(
                "UPDATE procrastinate_events SET at = now() - interval '20 minutes'"
                " WHERE job_id = :id"
            ),
            {"id": stuck},
        )

    stats = await queue_stats(scratch.db)

    assert [q.name for q in stats] == [*queues.ALL, EXTRA]
    by_name = {q.name: q for q in stats}
    last_finish = recent + dt.timedelta(milliseconds=600)
    assert by_name[queues.MAIL] == QueueStats(
        name=queues.MAIL,
        processed=3,
        failed=1,
        completed=2,
        waiting=1,
        active=1,
        delayed=1,
        average_processing_ms=300,
        last_job_timestamp=int(last_finish.timestamp()),
        # One failure in the two jobs finished in the last 24 hours.
        health_status="degraded",
    )
    assert by_name[queues.MAINTENANCE] == QueueStats(
        queues.MAINTENANCE, 0, 0, 0, 0, 0, 0, 0, 0, "healthy"
    )
    assert by_name[EXTRA] == QueueStats(EXTRA, 0, 0, 0, 1, 0, 0, 0, 0, "unhealthy")
