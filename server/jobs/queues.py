"""Every queue name, in one place: queue stats list each of them, even an empty one."""

from __future__ import annotations

MAIL = "mail"
MAINTENANCE = "maintenance"

# Known queues, in the order an admin reads them. A new queue is added here.
ALL: tuple[str, ...] = (MAIL, MAINTENANCE)
