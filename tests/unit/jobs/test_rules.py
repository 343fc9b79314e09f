"""Queue health rule, the stall-check schedule and procrastinate's schema version."""

import os

import pytest
from procrastinate.schema import SchemaManager

from server.platform.config import ConfigError
from server.platform.jobs.maintenance import stall_check_cron
from server.platform.jobs.stats import health_status
from tests.secrets import make_settings


@pytest.mark.parametrize(
    ("wait_s", "done", "failed", "expected"),
    [
        (0, 0, 0, "healthy"),
        (60, 100, 10, "healthy"),
        (61, 0, 0, "degraded"),
        (0, 100, 11, "degraded"),
        (601, 0, 0, "unhealthy"),
        (0, 10, 6, "unhealthy"),
    ],
)
def test_health_status(wait_s, done, failed, expected):
    assert health_status(oldest_wait_s=wait_s, recent_done=done, recent_failed=failed) == expected


def test_stall_check_runs_as_often_as_a_worker_can_be_declared_dead():
    assert stall_check_cron(2) == "* * * * * */2"
    assert stall_check_cron(60) == stall_check_cron(3600) == "* * * * *"


# procrastinate's last schema migration that our Alembic chain accounts for (0003 applies the
# whole schema of 3.10, which includes it). A newer one means a new Alembic revision must run
# it (see server/platform/db/migrations/versions/0003_jobs.py), then this name moves on.
KNOWN_LAST_MIGRATION = "03.04.00_50_post_add_retry_failed_job_procedure.sql"


def test_no_procrastinate_schema_migration_is_unaccounted_for():
    scripts = sorted(
        name for name in os.listdir(SchemaManager.get_migrations_path()) if name.endswith(".sql")
    )
    assert scripts[-1] == KNOWN_LAST_MIGRATION


@pytest.mark.parametrize("key", ["JOB_STALLED_AFTER_SECONDS", "JOB_CONCURRENCY"])
def test_job_settings_below_one_are_refused(key):
    with pytest.raises(ConfigError):
        make_settings(**{key: "0"})
