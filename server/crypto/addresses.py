"""Wallet addresses, checked per network family and put in the one form they are stored in.

- EVM: `0x` + 40 hex digits. Mixed case carries an EIP-55 checksum, which must hold (Keccak-256
  from eth-hash); all-lower or all-upper carries none. Stored lower-cased, so one address is
  one wallet whatever case it was typed in.
- Solana: base58 of a 32-byte public key, stored as given (base58 is case-sensitive).
- Bitcoin: base58check P2PKH/P2SH (versions 0x00 / 0x05), stored as given; or a segwit address
  with the `bc` prefix, bech32 for v0 (BIP-173) and bech32m for v1+ (BIP-350), stored
  lower-cased (bech32 is case-insensitive, and the lower form is the canonical one).

Input is taken as it comes: no trimming, so a stray space or control character is refused
rather than silently stored. Messages are short and meant for the user.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import base58
import bech32m
from eth_hash.auto import keccak

from server.crypto.networks import Family, Network

# Longer than any address of any family: refused before a quadratic base58 decode.
MAX_LENGTH = 100
_HEX = re.compile(r"0x[0-9a-fA-F]{40}")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_P2PKH, _P2SH = 0x00, 0x05


class InvalidAddress(ValueError):
    """The address cannot be on the network; `message` is the user-facing reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def eip55(address: str) -> str:
    """The EIP-55 checksummed form of a `0x` + 40 hex digits address."""
    body = address[2:].lower()
    digest = keccak(body.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(body, digest, strict=False)
    )


def _evm(address: str) -> str:
    if not _HEX.fullmatch(address):
        raise InvalidAddress("Invalid Ethereum address")
    body = address[2:]
    mixed = body != body.lower() and body != body.upper()
    if mixed and eip55(address) != address:
        raise InvalidAddress("Invalid Ethereum address checksum")
    return address.lower()


def _solana(address: str) -> str:
    # 32 bytes are 32 (all zero) to 44 base58 digits.
    if not 32 <= len(address) <= 44 or not _BASE58.fullmatch(address):
        raise InvalidAddress("Invalid Solana address")
    if len(base58.b58decode(address)) != 32:
        raise InvalidAddress("Invalid Solana address")
    return address


def _segwit(address: str) -> str:
    try:
        bech32m.decode("bc", address)
    except bech32m.DecodeError:  # HrpDoesNotMatch is one: a testnet or another coin's prefix
        raise InvalidAddress("Invalid Bitcoin address") from None
    return address.lower()


def _bitcoin(address: str) -> str:
    if address[:3].lower() == "bc1":
        return _segwit(address)
    # A 21-byte payload and its 4-byte checksum are 25 (leading zeros) to 35 base58 digits.
    if not 25 <= len(address) <= 35 or not _BASE58.fullmatch(address):
        raise InvalidAddress("Invalid Bitcoin address")
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        raise InvalidAddress("Invalid Bitcoin address checksum") from None
    if len(payload) != 21 or payload[0] not in (_P2PKH, _P2SH):
        raise InvalidAddress("Invalid Bitcoin address")
    return address


# Every EVM chain uses Ethereum's address format, and users know it by that name.
_LABEL = {Family.EVM: "Ethereum", Family.SOLANA: "Solana", Family.BITCOIN: "Bitcoin"}
_BY_FAMILY: dict[Family, Callable[[str], str]] = {
    Family.EVM: _evm,
    Family.SOLANA: _solana,
    Family.BITCOIN: _bitcoin,
}


def normalize(network: Network, address: str) -> str:
    """The stored form of `address` on `network`; InvalidAddress when it cannot be one."""
    if not address:
        raise InvalidAddress("Address is required")
    if len(address) > MAX_LENGTH or not address.isascii() or not address.isprintable():
        raise InvalidAddress(f"Invalid {_LABEL[network.family]} address")
    return _BY_FAMILY[network.family](address)
