"""Concurrent HTTP load from wrk, a C load generator, for the rows whose servers outrun a Python
client: the httpx client of the other rows spent about 2.6 ms of CPU per request, a third of
the machine, on the transaction list; wrk spends a few hundredths of that.

wrk runs one thread with CONCURRENCY keep-alive connections for a fixed time; latencies are its
HdrHistogram percentiles. A non-2xx answer or a socket error counts as an error.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import urlencode

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class Load:
    """One wrk run: requests, wall time, p50/p99 and the failed requests."""

    name: str
    n: int
    wall_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.n / self.wall_s if self.wall_s > 0 else math.nan


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"unexpected wrk duration: {text}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse(name: str, out: str) -> Load:
    """The figures of wrk's `--latency` report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    p50 = re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M)
    if not (done and p50 and p99):
        raise RuntimeError(f"unexpected wrk output: {out[-400:]}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(x) for x in sockets.groups()) if sockets else 0
    reasons = [m.group(0) for m in (non_2xx, sockets) if m is not None]
    return Load(
        name=name,
        n=int(done.group(1)),
        wall_s=_ms(done.group(2) + done.group(3)) / 1000,
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        errors=errors,
        first_error="; ".join(reasons),
    )


def run(
    name: str,
    url: str,
    *,
    params: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
    connections: int,
    seconds: int,
    timeout_s: float,
) -> Load:
    """`connections` clients for `seconds` against one URL."""
    target = f"{url}?{urlencode(params)}" if params else url
    cmd = [
        "wrk",
        "--threads=1",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={timeout_s:g}s",
        "--latency",
    ]
    for key, value in (headers or {}).items():
        cmd += ["--header", f"{key}: {value}"]
    out = subprocess.run([*cmd, target], capture_output=True, text=True, check=True).stdout
    return parse(name, out)
