"""Password hashing: argon2id with pinned parameters, verified off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's argon2id floor (19 MiB, t=2, p=1), pinned so a library upgrade cannot change it
# silently; raising them makes existing hashes rehash at their next sign-in.
HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
# Verified against when the email is unknown, so both answers cost one hash.
_DUMMY_HASH = HASHER.hash("fingate-timing-equaliser")


async def hash_password(password: str) -> str:
    """An argon2id hash of the password (argon2 releases the GIL: run it in a thread)."""
    return await asyncio.to_thread(HASHER.hash, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; with no stored hash, spends the same work and fails."""
    if stored is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password)
        return False
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with other parameters than the pinned ones."""
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
