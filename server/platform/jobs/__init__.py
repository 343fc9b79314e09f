"""Background jobs on procrastinate (PostgreSQL): the queue, its tasks' shared pieces and stats.

The server defers jobs (`JobQueue`), `python -m server.worker` runs them. Jobs live in
procrastinate's tables (migration 0003), so they survive a worker crash and their states are
queryable (`stats.queue_stats`).
"""
