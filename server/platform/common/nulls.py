"""Documented keys whose value may be absent render as JSON `null`: only a
google.protobuf.Value set to null_value prints `key: null` through the transcoder (ENVOY.md)."""

from __future__ import annotations

import datetime as dt

from google.protobuf.struct_pb2 import NULL_VALUE, Value

from server.platform.common.time import rfc3339

NULL = Value(null_value=NULL_VALUE)


def text_or_null(value: str | None) -> Value:
    """A string, or null for None."""
    return NULL if value is None else Value(string_value=value)


def time_or_null(value: dt.datetime | None) -> Value:
    """A timestamp as a Timestamp field prints it (`2025-01-21T12:00:00Z`), or null."""
    return NULL if value is None else Value(string_value=rfc3339(value))
