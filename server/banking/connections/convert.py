"""Connection rows (ORM objects or Core rows, same attribute names) → seed 000's shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf import struct_pb2

from fingate.banking.v1 import connection_pb2 as pb
from server.platform.common.time import to_timestamp

NULL = struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)


def text_or_null(value: Any) -> struct_pb2.Value:
    return NULL if value is None else struct_pb2.Value(string_value=str(value))


def time_or_null(value: dt.datetime | None) -> struct_pb2.Value:
    if value is None:
        return NULL
    return struct_pb2.Value(string_value=rfc3339(value))


def rfc3339(value: dt.datetime) -> str:
    """UTC, whole seconds, `Z`: as the documents show times."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def view(row: Any) -> pb.ConnectionView:
    return pb.ConnectionView(
        id=str(row.id),
        user_id=text_or_null(row.user_id),
        organization_id=str(row.organization_id),
        provider=row.provider,
        status=row.status,
        plaid_item_id=text_or_null(row.provider_item_id),
        plaid_institution_id=text_or_null(row.institution_id),
        institution_name=text_or_null(row.institution_name),
        institution_logo=text_or_null(row.institution_logo),
        institution_url=text_or_null(row.institution_url),
        last_sync_at=time_or_null(row.last_sync_at),
        last_sync_status=row.last_sync_status,
        auto_sync=row.auto_sync,
        sync_frequency=row.sync_frequency,
        last_error=text_or_null(row.last_error),
        error_count=row.error_count,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )
