"""Row ids: time-ordered UUIDs (v7) keep primary-key inserts at the right edge of the index."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A fresh UUIDv7."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID in a string, or None when it is not one."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None
