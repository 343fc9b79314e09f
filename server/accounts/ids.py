"""The ids the account routes take: a path id that is no UUID names nothing (404, as an
unknown one), while the sync's body must hold one (400)."""

from __future__ import annotations

import uuid

from server.banking.api import ACCOUNT_NOT_FOUND, CONNECTION_NOT_FOUND
from server.platform.common.ids import parse_id
from server.platform.errors import FieldViolation, InvalidInput, NotFound


def account_id_of(raw: str) -> uuid.UUID:
    return _path_id(raw, ACCOUNT_NOT_FOUND)


def connection_id_of(raw: str) -> uuid.UUID:
    return _path_id(raw, CONNECTION_NOT_FOUND)


def sync_connection_id(raw: str) -> uuid.UUID:
    """The sync request's connection_id; InvalidInput when missing or no UUID."""
    if not raw.strip():
        raise InvalidInput(
            [FieldViolation("connection_id", "is required")], "connection_id is required"
        )
    found = parse_id(raw.strip())
    if found is None:
        raise InvalidInput(
            [FieldViolation("connection_id", "must be a UUID")], "connection_id must be a UUID"
        )
    return found


def _path_id(raw: str, message: str) -> uuid.UUID:
    found = parse_id(raw)
    if found is None:
        raise NotFound(message)
    return found
