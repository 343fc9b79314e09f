"""The in-memory side of request metrics, and its setting."""

import datetime as dt

import pytest

from server.platform import config
from server.platform.db.database import Database
from server.platform.metrics.recorder import RequestMetrics, minute_of

AT = dt.datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=dt.UTC)


def test_minute_of_truncates_in_utc():
    plus2 = dt.timezone(dt.timedelta(hours=2))
    assert minute_of(AT) == dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
    assert minute_of(AT.astimezone(plus2)) == dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)


def test_record_sums_per_route():
    metrics = RequestMetrics(Database("postgresql+asyncpg://nobody@127.0.0.1:1/none"), flush_s=5)
    metrics.record("GET /a", error=False, ms=1.0, at=AT)
    metrics.record("GET /a", error=True, ms=2.0, at=AT + dt.timedelta(minutes=1))
    metrics.record("POST /b", error=True, ms=3.0, at=AT)
    assert metrics.pending_by_endpoint() == {"GET /a": (2, 1), "POST /b": (1, 1)}
    assert metrics.pending == 3


def test_flush_interval_setting():
    assert config.load({}).metrics_flush_s == 5.0
    assert config.load({"METRICS_FLUSH_SECONDS": "0.5"}).metrics_flush_s == 0.5
    for bad in ("0", "-1", "soon", "7200"):
        with pytest.raises(config.ConfigError):
            config.load({"METRICS_FLUSH_SECONDS": bad})
