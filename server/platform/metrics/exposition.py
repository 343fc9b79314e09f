"""The Prometheus endpoint (`GET /metrics` on METRICS_PORT) and each process's own samples.

The server serves the endpoint; the worker (and every further server process) only writes its
samples to PROMETHEUS_MULTIPROC_DIR, and a scrape adds up every process's files
(prometheus_client's MultiProcessCollector). The endpoint's socket is bound with SO_REUSEPORT,
so several server processes of one deployment share the port and any of them answers the
same sums. Figures that live in PostgreSQL (the job queues, the crypto circuit) are read by the
process answering the scrape, at most once per SCRAPE_CACHE_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool

from server.platform.db.database import Database
from server.platform.jobs.stats import queue_depths
from server.platform.metrics import prometheus

log = logging.getLogger("fingate.metrics")

SCRAPE_CACHE_S = 2.0
POOL_SAMPLE_S = 1.0
_HEAD_LIMIT = 8192
_HEAD_TIMEOUT_S = 5.0

# Figures read at scrape time: each returns its metric families.
Reader = Callable[[], Awaitable[Iterable[Metric]]]


def multiproc_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class ScrapeTimeCollector(Collector):
    """Families read from PostgreSQL by the scraping process, cached for `ttl_s`. A reader that
    fails (the database is down) leaves its families out of that scrape."""

    def __init__(self, readers: Sequence[Reader], *, ttl_s: float = SCRAPE_CACHE_S) -> None:
        self._readers = list(readers)
        self._ttl_s = ttl_s
        self._metrics: list[Metric] = []
        self._at: float | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._at is not None and time.monotonic() - self._at < self._ttl_s

    async def refresh(self) -> None:
        if self._fresh():
            return
        async with self._lock:
            if self._fresh():
                return
            found: list[Metric] = []
            for read in self._readers:
                try:
                    found.extend(await read())
                except Exception:
                    log.warning("a scrape-time metric could not be read", exc_info=True)
            self._metrics, self._at = found, time.monotonic()

    def collect(self) -> Iterable[Metric]:
        return list(self._metrics)


def queue_reader(db: Database) -> Reader:
    """Depth, running jobs and the oldest due job's wait, for every known queue."""

    async def read() -> list[Metric]:
        depth = GaugeMetricFamily(
            "fingate_job_queue_depth", "Jobs due to run and not yet started.", labels=["queue"]
        )
        running = GaugeMetricFamily(
            "fingate_job_queue_running", "Jobs a worker is running.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "fingate_job_queue_oldest_age_seconds",
            "How long the longest-waiting due job has waited (0 when none waits).",
            labels=["queue"],
        )
        for q in await queue_depths(db):
            depth.add_metric([q.name], q.waiting)
            running.add_metric([q.name], q.running)
            oldest.add_metric([q.name], q.oldest_wait_s)
        return [depth, running, oldest]

    return read


def exposition_registry(collector: Collector) -> CollectorRegistry:
    """What a scrape shows: every process's files (or this process's registry when there is no
    multiprocess directory) and the scrape-time families."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiproc_dir()
    if path is not None:
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    else:
        registry.register(REGISTRY)
    registry.register(collector)
    return registry


class MetricsEndpoint:
    """A minimal HTTP/1.1 endpoint on asyncio: `GET /metrics` answers the exposition, anything
    else 404; one request per connection."""

    def __init__(self, host: str, port: int, collector: ScrapeTimeCollector) -> None:
        self.host, self.port = host, port
        self._collector = collector
        self._registry = exposition_registry(collector)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, reuse_port=True
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def render(self) -> bytes:
        await self._collector.refresh()
        # Reading every process's files is blocking I/O: off the event loop.
        return await asyncio.to_thread(generate_latest, self._registry)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _HEAD_TIMEOUT_S)
            words = head[:_HEAD_LIMIT].split(b"\r\n", 1)[0].split()
            method = words[0] if words else b""
            target = words[1].split(b"?", 1)[0] if len(words) > 1 else b""
            if method in (b"GET", b"HEAD") and target == b"/metrics":
                body, status, kind = await self.render(), "200 OK", CONTENT_TYPE_PLAIN_0_0_4
            else:
                body, status, kind = b"not found\n", "404 Not Found", "text/plain"
            headers = (
                f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            writer.write(headers if method == b"HEAD" else headers + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # a client that went away or sent no request head
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class ProcessMetrics:
    """One per process: samples its database pool every POOL_SAMPLE_S into the pool gauges
    (labelled with the process's role, `server` or `worker`) and, given an endpoint, serves it.
    `stop()` withdraws this process's live gauges (mark_process_dead)."""

    def __init__(
        self, db: Database, *, process: str, endpoint: MetricsEndpoint | None = None
    ) -> None:
        self._db = db
        self._process = process
        self.endpoint = endpoint
        self._task: asyncio.Task[None] | None = None
        self._checked_out = prometheus.DB_POOL_CHECKED_OUT.labels(process)
        self._size = prometheus.DB_POOL_SIZE.labels(process)
        self._overflow = prometheus.DB_POOL_OVERFLOW.labels(process)

    def sample(self) -> None:
        pool = self._db.engine.sync_engine.pool
        if isinstance(pool, QueuePool):
            self._checked_out.set(pool.checkedout())
            self._size.set(pool.size())
            self._overflow.set(max(pool.overflow(), 0))

    async def start(self) -> None:
        self.sample()
        self._task = asyncio.create_task(self._run(), name="pool-metrics")
        if self.endpoint is not None:
            await self.endpoint.start()
            log.info("serving metrics", extra={"port": self.endpoint.port})

    async def stop(self) -> None:
        if self.endpoint is not None:
            await self.endpoint.stop()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        path = multiproc_dir()
        if path is not None:
            mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POOL_SAMPLE_S)
            self.sample()
