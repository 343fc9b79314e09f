"""Every queue name, in one place: queue stats list each of them, even an empty one."""

from __future__ import annotations

MAIL = "mail"
MAINTENANCE = "maintenance"
# Provider syncs of bank connections (server/banking/sync).
BANK_SYNC = "bank-sync"
# Portfolio provider syncs of crypto wallets (server/crypto/sync.py).
CRYPTO_SYNC = "crypto-sync"
# App connection syncs, token refreshes and QuickBooks webhook events (server/apps).
APP_SYNC = "app-sync"

# Known queues, in the order an admin reads them. A new queue is added here.
ALL: tuple[str, ...] = (MAIL, BANK_SYNC, CRYPTO_SYNC, APP_SYNC, MAINTENANCE)
