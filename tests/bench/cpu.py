"""CPU time of the processes under test, read from /proc (Linux; absent elsewhere)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after the last ")".
    return text.rpartition(")")[2].split()


def process_cpu_s(pid: int, *, reaped: bool = False) -> float | None:
    """User + system CPU seconds of one process (all its threads), None if it is gone.

    With `reaped`, also the CPU of its children that have exited and been waited for.
    """
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # utime, stime, cutime, cstime are fields 14-17 of /proc/<pid>/stat.
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICKS


def children_of(ppid: int) -> list[int]:
    """Pids of the live processes whose parent is `ppid`."""
    found = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == ppid:
                found.append(int(entry.name))
    return found


@dataclass
class CpuMeter:
    """Samples CPU seconds per named process; `trees` also count its children, live or reaped."""

    pids: dict[str, int]
    trees: set[str] = field(default_factory=set)

    def sample(self) -> dict[str, float | None]:
        """CPU seconds so far of each named process (and, for trees, its children)."""
        out: dict[str, float | None] = {}
        for name, pid in self.pids.items():
            tree = name in self.trees
            own = process_cpu_s(pid, reaped=tree)
            if own is None or not tree:
                out[name] = own
                continue
            # A child that exits between two samples moves from the live sum to the reaped one.
            out[name] = own + sum(process_cpu_s(c) or 0.0 for c in children_of(pid))
        return out

    @staticmethod
    def delta(
        before: dict[str, float | None], after: dict[str, float | None]
    ) -> dict[str, float | None]:
        """CPU seconds spent between two samples, per process."""
        out: dict[str, float | None] = {}
        for name, end in after.items():
            start = before.get(name)
            out[name] = None if start is None or end is None else max(0.0, end - start)
        return out
