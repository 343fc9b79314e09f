"""Daily exchange rates under `/rates`, answering like a reference-rate API (ECB-style).

`GET /rates/v1/daily?date=YYYY-MM-DD` (today, UTC, by default) → `{"date", "base": "USD",
"rates": {"EUR": 0.92…, …}}`: units of each currency per US dollar. Deterministic: a seeded
walk per currency and day, so a day's rate is the same all day and every run. A date in the
future answers 404 `{"error": "no rates for that date"}`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.dev.sandbox.responses import JSON

# Units per US dollar on 2025-01-01.
START = {
    "EUR": 0.96,
    "GBP": 0.80,
    "CAD": 1.44,
    "AUD": 1.61,
    "JPY": 157.0,
    "CHF": 0.91,
    "SEK": 11.0,
    "NOK": 11.4,
    "MXN": 20.8,
    "INR": 85.6,
}
EPOCH = dt.date(2025, 1, 1)


def _step(currency: str, day: dt.date) -> float:
    digest = hashlib.sha256(f"{currency}|{day.isoformat()}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big")).gauss(0, 0.004)


def rate(currency: str, day: dt.date) -> float:
    """Units of `currency` per dollar on `day`: 0.4 % daily moves from START (mirrored before
    EPOCH), rounded to six significant digits as reference rates are."""
    days = (day - EPOCH).days
    walk = sum(
        _step(currency, EPOCH + dt.timedelta(days=i)) for i in range(min(days, 0), max(days, 0))
    )
    value = START[currency] * math.exp(walk)
    return float(f"{value:.6g}")


async def daily(request: Request) -> Response:
    raw = request.query_params.get("date")
    today = dt.datetime.now(dt.UTC).date()
    try:
        day = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        return JSON({"error": "date must be YYYY-MM-DD"}, status_code=400)
    if day > today:
        return JSON({"error": "no rates for that date"}, status_code=404)
    return JSON({"date": day.isoformat(), "base": "USD", "rates": {c: rate(c, day) for c in START}})


ROUTES: list[BaseRoute] = [Route("/rates/v1/daily", daily)]
