"""Child processes of the dev stack: own process group, log file, orderly stop."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def spawn(
    cmd: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    fresh_log: bool = True,
) -> subprocess.Popen[bytes]:
    """Start `cmd` in its own session with stdout and stderr appended to `log_path`.

    `fresh_log=False` (a restart) keeps what the previous process wrote: why it died."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if fresh_log:
        log_path.write_bytes(b"")  # one run per file: a log tail must not show an older run
    # Append mode: a child that reopens /dev/stdout (Envoy's access log) must not clobber it.
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            # Own session and process group: a terminal Ctrl-C reaches only the parent, which
            # then stops the children in order (server before its database).
            start_new_session=True,
        )


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_process(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> int | None:
    """SIGTERM the child's process group, wait up to `timeout` s, then SIGKILL it."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    # Grandchildren may outlive the leader; the group id stays valid while any member lives.
    _signal_group(proc, signal.SIGKILL)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def run_to_end(
    cmd: Sequence[str], *, log_path: Path, env: Mapping[str, str], timeout: float
) -> int | None:
    """Run `cmd` from the repository root like spawn(); its exit code, None on timeout."""
    proc = spawn(cmd, log_path=log_path, env=env, cwd=REPO_ROOT)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        # Also on Ctrl-C: the child is in its own session and never saw the signal.
        stop_process(proc)


def log_tail(path: Path, *, lines: int = 40) -> str:
    """The last `lines` lines of a log file, or a note that it does not exist."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])
