"""What banking's use cases are built on, given once by the composition root (server/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from server.banking.linking import Providers
from server.platform.cache.store import Cache
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.jobs.app import JobQueue


@dataclass(eq=False)
class BankingServices:
    db: Database
    jobs: JobQueue
    cache: Cache
    vault: Vault
    providers: Providers
