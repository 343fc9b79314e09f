"""One measurement's samples and the figures derived from them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Result:
    """Latencies of the successful requests of one scenario, its wall time and CPU use."""

    name: str
    concurrency: int
    latencies_s: list[float]
    errors: int
    wall_s: float
    cpu_s: dict[str, float | None] = field(default_factory=dict)
    first_error: str = ""

    @property
    def n(self) -> int:
        """Requests sent (successful or not)."""
        return len(self.latencies_s) + self.errors

    @property
    def p50_ms(self) -> float:
        """Median latency in milliseconds."""
        return percentile(sorted(self.latencies_s), 50) * 1000

    @property
    def p99_ms(self) -> float:
        """99th-percentile latency in milliseconds."""
        return percentile(sorted(self.latencies_s), 99) * 1000

    @property
    def rps(self) -> float:
        """Completed requests per second of wall time."""
        return self.n / self.wall_s if self.wall_s > 0 else math.nan

    def cpu_ms_per_request(self, name: str) -> float | None:
        """CPU milliseconds one process spent per request, None when not measured."""
        spent = self.cpu_s.get(name)
        if spent is None or self.n == 0:
            return None
        return spent / self.n * 1000
