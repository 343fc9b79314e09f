"""`python -m server`: config → build → serve; graceful stop on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import uvloop

from server import app as application
from server.auth.bootstrap import ensure_admin
from server.organizations.repository import add_personal_organization
from server.platform import config
from server.platform.db.rls import bypasses_rls
from server.platform.logs import configure
from server.platform.tracing import provider as tracing

log = logging.getLogger("fingate")


async def serve() -> None:
    settings = config.load()
    configure(settings.log_level)
    tracing.setup(settings, service="fingate-server")  # before build: its interceptor
    app = application.build(settings)
    try:
        await ensure_admin(app.db, settings, add_personal_organization)
        if await bypasses_rls(app.db.engine):
            if settings.is_production:
                raise config.ConfigError(
                    "DATABASE_URL's role bypasses row-level security; connect as fingate_app"
                )
            log.warning("the database role bypasses row-level security (use fingate_app)")
    except OSError:
        # The server still starts (health says 503) when PostgreSQL is down.
        log.warning("admin bootstrap skipped: database unreachable")
    await app.jobs.open()
    await app.server.start()
    app.metrics.start()
    if app.exporter is not None:
        await app.exporter.start()
    await application.set_serving(app, True)
    log.info("serving gRPC", extra={"port": settings.grpc_port, "env": settings.app_env})

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()

    log.info("shutting down", extra={"grace_s": settings.shutdown_grace_s})
    await application.set_serving(app, False)
    await app.server.stop(settings.shutdown_grace_s)  # in-flight calls finish first
    await app.metrics.stop()  # writes the requests counted since the last flush
    if app.exporter is not None:
        await app.exporter.stop()
    await app.jobs.close()
    if app.streams is not None:
        await app.streams.close()
    await app.db.dispose()
    if app.payments is not None:
        await app.payments.close()
    if app.oauth is not None:
        await app.oauth.aclose()
    if app.rails is not None:
        await app.rails.aclose()
    tracing.shutdown()  # the last spans, the shutdown's own included


def main() -> int:
    try:
        uvloop.run(serve())
    except config.ConfigError as exc:
        print(f"fingate: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
