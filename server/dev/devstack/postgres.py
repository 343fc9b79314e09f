"""PostgreSQL for the dev stack: `DATABASE_URL` when set, else an embedded server (pgserver)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

ASYNCPG_SCHEME = "postgresql+asyncpg"
# pgserver records the pids of the processes using a data directory in this file.
HANDLE_PIDS_FILE = ".handle_pids.json"


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    """A PostgreSQL kept under `data_dir`, listening on a unix socket only."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.owned = False

    def _postmaster_running(self) -> bool:
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir)
        return info is not None and bool(info.is_running())

    def _other_users(self) -> list[int]:
        try:
            pids = json.loads((self.data_dir / HANDLE_PIDS_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [pid for pid in pids if pid != os.getpid() and _alive(pid)]

    def start(self) -> str:
        """Start (or join) the server and return its asyncpg SQLAlchemy URL."""
        # Imported lazily: DATABASE_URL users never need the embedded binaries. platformdirs
        # warns at import without XDG_RUNTIME_DIR, and the tests turn warnings into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from pgserver.postgres_server import PostgresServer, get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # Ours to stop: one we start, or one left running by a process that has died. Decided
        # before starting, so an interrupt during the start still stops it.
        self.owned = not self._postmaster_running() or not self._other_users()
        if not self._postmaster_running():
            # pgserver keeps one handle per data directory and process, and would hand back
            # the handle of a server stopped since (the fault tests stop and start one).
            PostgresServer._instances.pop(self.data_dir, None)
        # cleanup_mode=None: pgserver's own atexit hook must not stop it; stop() decides.
        server = get_server(self.data_dir, cleanup_mode=None)
        url = asyncpg_url(server.get_uri())
        log.info("embedded PostgreSQL at %s (ours to stop: %s)", url, self.owned)
        return url

    def stop(self, *, mode: str = "fast") -> None:
        """Stop the server if it is ours; leave one that another live process uses.

        `mode="immediate"` is a crash as far as clients can tell (the fault tests use it);
        start() brings the same data directory back."""
        owned, self.owned = self.owned, False
        if not owned or not self._postmaster_running():
            return
        from pgserver._commands import POSTGRES_BIN_PATH

        # Fast shutdown: the stack's server is already stopped, nothing to drain. Output goes
        # nowhere: pg_ctl can hold pipes open (pgserver notes the same).
        cmd = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data_dir), "-w", "-m", mode]
        subprocess.run(
            [*cmd, "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # pgserver runs PostgreSQL as the system user `pgserver` when we are root.
            user="pgserver" if os.geteuid() == 0 else None,
            timeout=60,
        )


def as_role(url: str, role: str) -> str:
    """The same database reached as another role (the server's, which RLS applies to)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def database_url_from_env() -> str | None:
    """`DATABASE_URL` from the environment, if set and not empty."""
    return os.environ.get("DATABASE_URL") or None
