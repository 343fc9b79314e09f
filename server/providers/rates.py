"""Daily reference exchange rates (units of each currency per US dollar) over httpx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import orjson

from server.platform.config import Settings
from server.providers.base import ProviderUnavailable


class RatesClient:
    def __init__(self, base_url: str, *, timeout_s: float) -> None:
        self._base_url = base_url
        self._timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> RatesClient:
        return cls(settings.rates_api_base, timeout_s=min(settings.provider_timeout_s, 5.0))

    async def daily(self, day: dt.date) -> dict[str, Decimal]:
        """The day's rates; ProviderUnavailable when none can be had (no source configured,
        the source down, no rates for the day)."""
        if not self._base_url:
            raise ProviderUnavailable("no exchange-rate source configured")
        try:
            async with httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout_s) as http:
                response = await http.get("/v1/daily", params={"date": day.isoformat()})
        except httpx.HTTPError as error:
            raise ProviderUnavailable(type(error).__name__) from None
        if response.status_code != 200:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        body = orjson.loads(response.content)
        return {str(c): Decimal(str(r)) for c, r in body["rates"].items()}
