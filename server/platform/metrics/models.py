"""Table of the request metrics: one row per (minute, route), summed across server processes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Double, String
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.db.base import Base


class ApiRequestStat(Base):
    """Requests to one route that ended in one UTC minute; every process adds to the same row."""

    __tablename__ = "api_request_stats"

    # The primary key's leading column serves the analytics window scan (bucket_start >= …).
    bucket_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    error_count: Mapped[int] = mapped_column(BigInteger)
    total_ms: Mapped[float] = mapped_column(Double)
