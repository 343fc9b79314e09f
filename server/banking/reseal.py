"""`python -m server.banking.reseal`: re-seal every stored provider secret under the newest key.

Key rotation (server/platform/encryption.py): put the new key first in ENCRYPTION_KEYS and restart,
so new secrets are sealed with it while old ones still open; then run this, as the schema owner
(DATABASE_URL of the migrations: it crosses organizations), and the old key can be dropped. Batches
commit one by one, so it can be stopped and run again at any time.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from sqlalchemy import select, update

from server.banking.models import BankConnection, FinancialAccount
from server.platform import config
from server.platform.db.database import Database
from server.platform.encryption import Vault

log = logging.getLogger("fingate.reseal")

BATCH = 500
# Every sealed column: (model, column attribute name).
SEALED = ((BankConnection, "access_token_sealed"), (FinancialAccount, "account_number_sealed"))


async def reseal_all(db: Database, vault: Vault, *, batch: int = BATCH) -> int:
    """Re-seals every sealed value; returns how many."""
    done = 0
    for model, name in SEALED:
        column = getattr(model, name)
        after = None
        while True:
            async with db.transaction() as s:
                query = select(model.id, column).where(column.is_not(None))
                if after is not None:
                    query = query.where(model.id > after)
                rows = (await s.execute(query.order_by(model.id).limit(batch))).all()
                for row_id, sealed in rows:
                    await s.execute(
                        update(model).where(model.id == row_id).values({name: vault.reseal(sealed)})
                    )
            if not rows:
                break
            after = rows[-1][0]
            done += len(rows)
    return done


async def main() -> int:
    settings = config.load()
    db = Database(settings.database_url, pool_size=2)
    try:
        count = await reseal_all(db, Vault.from_settings(settings))
    finally:
        await db.dispose()
    print(f"re-sealed {count} values under the newest key")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
