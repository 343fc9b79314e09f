"""Drive one call many times, sequentially or from concurrent clients, and time each request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from time import perf_counter

from tests.bench.cpu import CpuMeter
from tests.bench.stats import Result


class Unexpected(Exception):
    """A response that is not the one the scenario expects (counted as an error)."""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


class _Tally:
    """Latencies and errors collected during one timed run."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""

    def fail(self, exc: BaseException) -> None:
        """Count one failed request and remember the first reason."""
        self.errors += 1
        self.first_error = self.first_error or _describe(exc)

    def result(
        self, name: str, concurrency: int, wall_s: float, cpu: dict[str, float | None]
    ) -> Result:
        """The Result of this run."""
        return Result(name, concurrency, self.latencies, self.errors, wall_s, cpu, self.first_error)


def run_sequential(
    name: str,
    call: Callable[[], None],
    *,
    n: int,
    warmup: int,
    max_s: float,
    meter: CpuMeter,
) -> Result:
    """One request at a time: `warmup` untimed calls, then up to `n` timed ones or `max_s`."""
    for _ in range(warmup):
        try:
            call()
        except Exception:
            pass
    tally = _Tally()
    before = meter.sample()
    start = perf_counter()
    deadline = start + max_s
    for _ in range(n):
        t0 = perf_counter()
        try:
            call()
        except Exception as exc:
            tally.fail(exc)
        else:
            tally.latencies.append(perf_counter() - t0)
        if perf_counter() >= deadline:
            break
    wall = perf_counter() - start
    return tally.result(name, 1, wall, CpuMeter.delta(before, meter.sample()))


async def _clients(
    call: Callable[[], Awaitable[None]], *, n: int, concurrency: int, deadline: float, tally: _Tally
) -> None:
    issued = 0

    async def client() -> None:
        nonlocal issued
        while issued < n and perf_counter() < deadline:
            issued += 1
            t0 = perf_counter()
            try:
                await call()
            except Exception as exc:
                tally.fail(exc)
            else:
                tally.latencies.append(perf_counter() - t0)

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def run_concurrent(
    name: str,
    call: Callable[[], Awaitable[None]],
    *,
    n: int,
    concurrency: int,
    warmup: int,
    max_s: float,
    meter: CpuMeter,
) -> Result:
    """`concurrency` clients share `n` timed requests (or stop at `max_s`), after a warm-up."""
    await _clients(
        call, n=warmup, concurrency=concurrency, deadline=perf_counter() + max_s, tally=_Tally()
    )
    tally = _Tally()
    before = meter.sample()
    start = perf_counter()
    await _clients(call, n=n, concurrency=concurrency, deadline=start + max_s, tally=tally)
    wall = perf_counter() - start
    return tally.result(name, concurrency, wall, CpuMeter.delta(before, meter.sample()))
