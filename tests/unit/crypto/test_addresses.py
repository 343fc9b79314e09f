"""Address checks per family, on published test vectors (EIP-55, BIP-173, BIP-350) and real
addresses, plus malformed input."""

from __future__ import annotations

import pytest

from server.crypto.addresses import InvalidAddress, eip55, normalize
from server.crypto.networks import NAMES, lookup

ETHEREUM, POLYGON, BSC = lookup("ETHEREUM"), lookup("POLYGON"), lookup("BSC")
SOLANA, BITCOIN = lookup("SOLANA"), lookup("BITCOIN")

# EIP-55's own examples: all caps, all lower, and mixed case with a valid checksum.
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
def test_eip55_vectors_are_accepted_and_stored_lower_cased(address):
    for network in (ETHEREUM, POLYGON, BSC):
        assert normalize(network, address) == address.lower()


@pytest.mark.parametrize("address", EIP55[4:])
def test_eip55_checksum_is_computed_as_published(address):
    assert eip55(address.lower()) == address


@pytest.mark.parametrize(
    "address",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # last letter's case flipped
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xFb6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    ],
)
def test_a_mixed_case_address_with_a_wrong_checksum_is_refused(address):
    with pytest.raises(InvalidAddress) as raised:
        normalize(ETHEREUM, address)
    assert raised.value.message == "Invalid Ethereum address checksum"


@pytest.mark.parametrize(
    "address",
    [
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",  # 39 digits
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed0",  # 41 digits
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",  # no 0x
        "0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beagd",  # g is not hex
        "0x",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae\n",
        " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x５aaeb6053f3e94c9b9a09f33669435e7ef1beae",  # a full-width digit
        "vitalik.eth",
    ],
)
def test_malformed_evm_addresses_are_refused(address):
    with pytest.raises(InvalidAddress) as raised:
        normalize(ETHEREUM, address)
    assert raised.value.message == "Invalid Ethereum address"


@pytest.mark.parametrize(
    "address",
    [
        "So11111111111111111111111111111111111111112",  # wrapped SOL's mint
        "11111111111111111111111111111111",  # the system program: 32 zero bytes
        "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",  # the SPL token program
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",  # USDC's mint
    ],
)
def test_solana_public_keys_are_kept_as_given(address):
    assert normalize(SOLANA, address) == address


@pytest.mark.parametrize(
    "address",
    [
        "So1111111111111111111111111111111111111111",  # 31 bytes
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1vv",  # 45 digits
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",  # 44 digits, 33 bytes
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt10",  # 0 is not base58
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDtIv",  # nor is I
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v\t",
    ],
)
def test_malformed_solana_addresses_are_refused(address):
    with pytest.raises(InvalidAddress) as raised:
        normalize(SOLANA, address)
    assert raised.value.message == "Invalid Solana address"


@pytest.mark.parametrize(
    "address",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # the genesis block's P2PKH
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # BIP-13's P2SH example
    ],
)
def test_base58check_addresses_keep_their_case(address):
    assert normalize(BITCOIN, address) == address


# BIP-173 and BIP-350's valid mainnet segwit vectors: v0 bech32, v1+ bech32m.
SEGWIT_VALID = [
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J",
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
]


@pytest.mark.parametrize("address", SEGWIT_VALID)
def test_segwit_vectors_are_accepted_and_stored_lower_cased(address):
    assert normalize(BITCOIN, address) == address.lower()


# BIP-350's invalid vectors (mainnet ones, and testnet ones: a `tb` prefix is not Bitcoin's).
SEGWIT_INVALID = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",  # invalid prefix
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with bech32
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # v16 with bech32
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with bech32m
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # invalid character
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # witness version 17
    "bc1pw5dgrnzv",  # 1-byte program
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 program of 16 bytes
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  # padding > 4 bits
    "bc1gmk9yu",  # empty data
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # BIP-173: invalid checksum
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",  # BIP-173: non-zero padding
    "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # mixed case
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",  # valid, but testnet
]


@pytest.mark.parametrize("address", SEGWIT_INVALID)
def test_invalid_segwit_vectors_are_refused(address):
    with pytest.raises(InvalidAddress) as raised:
        normalize(BITCOIN, address)
    assert raised.value.message == "Invalid Bitcoin address"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "Invalid Bitcoin address checksum"),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz", "Invalid Bitcoin address checksum"),
        # Testnet P2PKH: a valid checksum, version 0x6f.
        ("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "Invalid Bitcoin address"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN", "Invalid Bitcoin address checksum"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa1A1zP1eP5QGefi2", "Invalid Bitcoin address"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na", "Invalid Bitcoin address"),  # 0 is not base58
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "Invalid Bitcoin address"),
    ],
)
def test_malformed_base58_bitcoin_addresses_are_refused(address, message):
    with pytest.raises(InvalidAddress) as raised:
        normalize(BITCOIN, address)
    assert raised.value.message == message


@pytest.mark.parametrize("name", NAMES)
def test_empty_control_characters_and_huge_input_are_refused_on_every_network(name):
    network = lookup(name)
    with pytest.raises(InvalidAddress) as raised:
        normalize(network, "")
    assert raised.value.message == "Address is required"
    for address in ("\x00", "0x\x1b[31m", "a" * 10_000, "1A1zP1eP5QGefi2DMPTfTL5SLmv7Div\x7ffNa"):
        with pytest.raises(InvalidAddress) as raised:
            normalize(network, address)
        assert raised.value.message.startswith("Invalid ")
