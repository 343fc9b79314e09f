"""The Prometheus endpoint of a server or worker process (a composition module, like
server/housekeeping.py: it knows the domains' scrape-time readers).

`GET /metrics` on METRICS_PORT shows every process's samples on this machine (through
PROMETHEUS_MULTIPROC_DIR) plus the figures PostgreSQL holds, read when scraped: job queue depth
and age, the crypto provider's circuit. Any process answering is as good as another, which is
why the port is bound with SO_REUSEPORT.
"""

from __future__ import annotations

from server.crypto.circuit import circuit_reader
from server.platform.config import Settings
from server.platform.db.database import Database
from server.platform.metrics.exposition import MetricsEndpoint, ScrapeTimeCollector, queue_reader


def metrics_endpoint(settings: Settings, db: Database) -> MetricsEndpoint | None:
    """The endpoint on METRICS_PORT, or None when it is 0."""
    if not settings.metrics_port:
        return None
    scraped = ScrapeTimeCollector([queue_reader(db), circuit_reader(db)])
    return MetricsEndpoint(settings.grpc_host, settings.metrics_port, scraped)
