"""The same SQL as a route, run by PostgreSQL's own pgbench: what the database alone delivers.

pgbench runs CONCURRENCY clients on two threads with prepared statements (as asyncpg does) for
a fixed time; its throughput is the ceiling the route's throughput is compared with.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from server.platform.jobs.conninfo import psycopg_conninfo


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    latency_avg_ms: float
    transactions: int


def pgbench_binary() -> str | None:
    """The system's pgbench, else the one pgserver ships with the embedded PostgreSQL."""
    found = shutil.which("pgbench")
    if found:
        return found
    try:
        import pgserver  # type: ignore[import-untyped]

        candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
        return str(candidate) if candidate.exists() else None
    except ImportError:
        return None


def run(database_url: str, sql: str, *, clients: int, seconds: int) -> PgbenchResult:
    binary = pgbench_binary()
    if binary is None:
        raise RuntimeError("pgbench is not installed")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        # One statement per line for pgbench (statements are separated by ";\n"); their own
        # newlines are only layout.
        for statement in sql.split(";\n"):
            script.write(" ".join(statement.split()) + ";\n")
    out = subprocess.run(
        [
            binary,
            "--no-vacuum",
            f"--client={clients}",
            "--jobs=2",
            f"--time={seconds}",
            "--protocol=prepared",
            f"--file={script.name}",
            psycopg_conninfo(database_url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(script.name).unlink(missing_ok=True)
    tps = re.search(r"tps = ([\d.]+)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    count = re.search(r"number of transactions actually processed: (\d+)", out)
    if not (tps and latency and count):
        raise RuntimeError(f"unexpected pgbench output: {out[-400:]}")
    return PgbenchResult(float(tps.group(1)), float(latency.group(1)), int(count.group(1)))
