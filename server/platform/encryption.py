"""Encryption at rest for provider access tokens and full account numbers.

MultiFernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) over ENCRYPTION_KEYS: the first key
encrypts, every key decrypts. A key is rotated by putting a new one in front, then re-sealing
stored values with `Vault.reseal` (a sealed value carries no key id, so rows sealed under the
old and the new key coexist until then).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from server.platform.config import Settings


class UnreadableSecret(Exception):
    """A stored value that none of the configured keys opens."""


class Vault:
    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._cipher = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        return cls(settings.encryption_keys)

    def seal(self, plaintext: str) -> str:
        return self._cipher.encrypt(plaintext.encode()).decode()

    def unseal(self, sealed: str) -> str:
        try:
            return self._cipher.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret("no configured encryption key opens this value") from None

    def reseal(self, sealed: str) -> str:
        """The same plaintext under the newest key."""
        try:
            return self._cipher.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret("no configured encryption key opens this value") from None
