"""The job lock of a connection's syncs: one sync of a connection runs at a time, and its
revocation waits for it (procrastinate's `lock`, also the queueing lock of a requested sync)."""

from __future__ import annotations

import uuid


def lock_for(connection_id: uuid.UUID | str) -> str:
    return f"bank-sync:{connection_id}"
