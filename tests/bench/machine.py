"""Facts about the run recorded next to its figures: commit, machine, load, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

from server.dev.devstack.stack import Stack


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def commit(root: Path) -> str:
    """`git rev-parse --short HEAD`, or `unknown`."""
    return _git(root, "rev-parse", "--short", "HEAD") or "unknown"


def uncommitted(root: Path) -> bool:
    """Whether tracked files differ from HEAD."""
    return bool(_git(root, "status", "--porcelain", "--untracked-files=no"))


def cpus() -> int:
    """CPUs this process may run on, as `nproc` counts them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def today() -> str:
    """Now in UTC, to the minute."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def python_version() -> str:
    """Implementation and version of this interpreter."""
    return f"{platform.python_version()} ({platform.python_implementation()})"


def os_name() -> str:
    """Operating system and architecture."""
    return f"{platform.system()} {platform.machine()}"


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid in PostgreSQL's postmaster.pid under `data_dir`, if any."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stack_pids(stack: Stack, *, embedded_pg: bool) -> dict[str, int]:
    """Pids of the server, Envoy and (when embedded) PostgreSQL that `stack` runs."""
    pids = {name: pid for name in ("server", "envoy") if (pid := stack.pid(name)) is not None}
    pg = postmaster_pid(stack.var_dir / "pg") if embedded_pg else None
    if pg is not None:
        pids["postgres"] = pg
    return pids
