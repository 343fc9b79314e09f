"""Timestamps for JSON: UTC, whole seconds, so they render as documented (`…T10:30:00Z`)."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp


def to_timestamp(value: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None))
    return ts


def rfc3339(value: dt.datetime) -> str:
    """UTC, whole seconds, `Z`: as the documents show times in text fields."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
