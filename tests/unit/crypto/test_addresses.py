"""Wallet addresses per network family: EIP-55 (the EIP's own examples), BIP-173/BIP-350
segwit vectors, base58check, Solana keys, and what is refused."""

from __future__ import annotations

import pytest

from server.crypto import networks
from server.crypto.addresses import InvalidAddress, eip55, normalize

ETH = networks.find("ETHEREUM")
BTC = networks.find("BITCOIN")
SOL = networks.find("SOLANA")
assert ETH and BTC and SOL

# EIP-55 "Test Cases".
EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55)
def test_eip55_examples_are_accepted_and_stored_lower_case(address):
    assert normalize(ETH, address) == address.lower()
    if address[2:] != address[2:].lower() and address[2:] != address[2:].upper():
        assert eip55(address.lower()) == address


@pytest.mark.parametrize(
    "address",
    [
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # one letter's case flipped
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",  # 39 digits
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd",  # 41
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",  # no 0x
        "0xzaaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae\n",
        "",
    ],
)
def test_malformed_evm_addresses_are_refused(address):
    with pytest.raises(InvalidAddress):
        normalize(ETH, address)


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        # BIP-173 (v0, bech32) and BIP-350 (v1 taproot, bech32m) mainnet vectors.
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        ),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),  # P2PKH
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),  # P2SH
    ],
)
def test_bitcoin_addresses(address, stored):
    assert normalize(BTC, address) == stored


@pytest.mark.parametrize(
    "address",
    [
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # bad checksum
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with bech32
        "BC1QW508d6QEJxTDG4y5R3ZArVARY0C5XW7KV8F3T4",  # mixed case
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # base58check checksum
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet P2PKH
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    ],
)
def test_bitcoin_refusals(address):
    with pytest.raises(InvalidAddress):
        normalize(BTC, address)


def test_solana_public_keys():
    key = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
    assert normalize(SOL, key) == key
    for bad in (key[:-1] + "0", key[:20], "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "1" * 44):
        with pytest.raises(InvalidAddress):
            normalize(SOL, bad)


def test_every_network_has_a_family_and_a_provider_chain():
    assert networks.NAMES == (
        "ETHEREUM",
        "POLYGON",
        "ARBITRUM",
        "OPTIMISM",
        "BASE",
        "BSC",
        "AVALANCHE",
        "SOLANA",
        "BITCOIN",
    )
    assert networks.find("DOGECOIN") is None and networks.find("ethereum") is None
    assert {n.family for n in map(networks.find, networks.NAMES) if n} == set(networks.Family)
