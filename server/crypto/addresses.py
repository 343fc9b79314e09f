"""Wallet addresses, checked per network family and put in the one form they are stored in.

EVM: `0x` + 40 hex digits; an address in mixed case carries an EIP-55 checksum, which must
hold (Keccak-256 from eth-hash); all-lower or all-upper has none. Stored lower-cased, so one
address is one wallet whatever case it is typed in. Solana: base58 of a 32-byte public key.
Bitcoin: base58check P2PKH/P2SH (version 0x00 / 0x05), or segwit bech32 (v0) / bech32m (v1+)
with the `bc` prefix, stored lower-cased. Everything else is refused with a message a user can
act on.
"""

from __future__ import annotations

import re

import base58
import bech32m
from eth_hash.auto import keccak

from server.crypto.networks import Family, Network

_HEX = re.compile(r"0x[0-9a-fA-F]{40}")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")


class InvalidAddress(ValueError):
    """The address cannot be on the network; its text is the user-facing reason."""


def eip55(address: str) -> str:
    """The checksummed form of a `0x` + 40 hex address."""
    body = address[2:].lower()
    digest = keccak(body.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(body, digest[:40], strict=True)
    )


def _evm(address: str) -> str:
    if not _HEX.fullmatch(address):
        raise InvalidAddress("must be 0x followed by 40 hexadecimal digits")
    body = address[2:]
    if body != body.lower() and body != body.upper() and eip55(address) != address:
        raise InvalidAddress("has an invalid EIP-55 checksum")
    return address.lower()


def _solana(address: str) -> str:
    if not 32 <= len(address) <= 44 or not _BASE58.fullmatch(address):
        raise InvalidAddress("must be a base58 Solana public key")
    if len(base58.b58decode(address)) != 32:
        raise InvalidAddress("must be a base58 Solana public key")
    return address


def _bitcoin(address: str) -> str:
    if address[:3].lower() == "bc1":
        try:
            bech32m.decode("bc", address.lower())
        except (bech32m.DecodeError, bech32m.HrpDoesNotMatch, ValueError):
            raise InvalidAddress("is not a valid bech32 Bitcoin address") from None
        if address != address.lower() and address != address.upper():
            raise InvalidAddress("is not a valid bech32 Bitcoin address")
        return address.lower()
    if not 25 <= len(address) <= 35 or not _BASE58.fullmatch(address):
        raise InvalidAddress("is not a valid Bitcoin address")
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        raise InvalidAddress("has an invalid Bitcoin checksum") from None
    if len(payload) != 21 or payload[0] not in (0x00, 0x05):
        raise InvalidAddress("is not a Bitcoin mainnet address")
    return address


_BY_FAMILY = {Family.EVM: _evm, Family.SOLANA: _solana, Family.BITCOIN: _bitcoin}


def normalize(network: Network, address: str) -> str:
    """The stored form of `address` on `network`; InvalidAddress when it cannot be one."""
    return _BY_FAMILY[network.family](address)
