"""PostgreSQL for the dev stack: `DATABASE_URL` when set, else an embedded server (pgserver)."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

ASYNCPG_SCHEME = "postgresql+asyncpg"


def asyncpg_url(libpq_uri: str) -> str:
    """A SQLAlchemy asyncpg URL for a libpq URI such as pgserver's unix-socket one."""
    parts = urlsplit(libpq_uri)
    user = parts.username or "postgres"
    database = parts.path.lstrip("/") or "postgres"
    host = parse_qs(parts.query).get("host", [""])[0]
    if host.startswith("/"):
        # asyncpg takes a directory in `host` as the unix socket's directory.
        return f"{ASYNCPG_SCHEME}://{user}@/{database}?host={host}"
    netloc = parts.hostname or "127.0.0.1"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return f"{ASYNCPG_SCHEME}://{user}@{netloc}/{database}"


class EmbeddedPostgres:
    """A PostgreSQL kept under `data_dir`, listening on a unix socket only."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None
        self._started_here = False

    def start(self) -> str:
        """Start (or join) the server and return its asyncpg SQLAlchemy URL."""
        # Imported lazily: DATABASE_URL users never pay for (or need) the embedded binaries.
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; tests turn warnings into
        # errors, and the fallback directory it picks is fine for a lock file.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from pgserver.postgres_server import get_server
            from pgserver.utils import PostmasterInfo

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        info = PostmasterInfo.read_from_pgdata(self.data_dir)
        self._started_here = info is None or not info.is_running()
        # cleanup_mode=None: pgserver must not stop it from its own atexit hook; stop() decides.
        self._server = get_server(self.data_dir, cleanup_mode=None)
        url = asyncpg_url(self._server.get_uri())
        log.info("embedded PostgreSQL at %s (started here: %s)", url, self._started_here)
        return url

    @property
    def started_here(self) -> bool:
        """Whether start() launched the server (rather than joining one already running)."""
        return self._started_here

    def stop(self) -> None:
        """Stop the server if this object started it; leave a joined one running."""
        server, self._server = self._server, None
        if server is None or not self._started_here:
            return
        from pgserver._commands import POSTGRES_BIN_PATH

        # Fast shutdown: the stack's server is already stopped, nothing to drain. Output goes
        # nowhere: pg_ctl can hold pipes open (pgserver notes the same).
        cmd = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data_dir), "-w", "-m", "fast"]
        try:
            subprocess.run(
                [*cmd, "stop"],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                user=server.system_user,  # pgserver runs it as user `pgserver` under root
                timeout=60,
            )
        except subprocess.CalledProcessError:
            log.warning("embedded PostgreSQL under %s was already stopped", self.data_dir)


def database_url_from_env() -> str | None:
    """`DATABASE_URL` from the environment, if set and not empty."""
    return os.environ.get("DATABASE_URL") or None
