"""Key rotation: after re-sealing, every stored secret opens with the new key alone."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import text

from server.banking.reseal import reseal_all
from server.platform.encryption import UnreadableSecret, Vault
from tests.factories.banking import insert_account, insert_connection, insert_org


async def _sealed(db) -> list[str]:
    async with db.transaction() as s:
        tokens = (await s.execute(text("SELECT access_token_sealed FROM bank_connections"))).all()
        numbers = (
            await s.execute(
                text(
                    "SELECT account_number_sealed FROM financial_accounts"
                    " WHERE account_number_sealed IS NOT NULL"
                )
            )
        ).all()
    return [r[0] for r in [*tokens, *numbers]]


def _opens(vault: Vault, value: str) -> bool:
    try:
        vault.unseal(value)
    except UnreadableSecret:
        return False
    return True


async def test_every_secret_moves_to_the_newest_key(scratch):
    user, org = await insert_org(scratch.db)
    for n in range(3):
        conn = await insert_connection(scratch.db, org, user, access_token=f"access-{n}")
        await insert_account(scratch.db, org, conn, last_four=f"{n:04d}")
    old = Vault.from_settings(scratch.settings())  # the development key the factories use
    new_key = Fernet.generate_key().decode()
    rotated = Vault((new_key, *scratch.settings().encryption_keys))
    before = await _sealed(scratch.db)
    assert len(before) == 6
    assert await reseal_all(scratch.db, rotated, batch=2) == 6
    after = await _sealed(scratch.db)
    only_new = Vault((new_key,))
    assert sorted(only_new.unseal(v) for v in after) == sorted(old.unseal(v) for v in before)
    assert not any(_opens(old, value) for value in after)
