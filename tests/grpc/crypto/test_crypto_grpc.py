"""CryptoService over gRPC (internal callers): adding and reading wallets with the access token
in metadata, the progress stream as a server stream of Struct events, another organization's
wallet as NOT_FOUND with its ErrorInfo, a malformed address as INVALID_ARGUMENT."""

from __future__ import annotations

import grpc
import pytest

from fingate.crypto.v1 import crypto_service_pb2 as pb
from fingate.crypto.v1 import crypto_service_pb2_grpc
from tests.factories.auth import sign_up
from tests.grpc.auth.test_auth_grpc import _details


@pytest.fixture(scope="module")
def stub(channel):
    return crypto_service_pb2_grpc.CryptoServiceStub(channel)


def _auth(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def test_add_list_and_portfolio(stub, rest):
    user = sign_up(rest)
    added = stub.AddWallet(
        pb.AddWalletRequest(
            name="Main", address="0x" + "5a" * 20, network="ETHEREUM", notes="from gRPC"
        ),
        metadata=_auth(user.token),
        timeout=10,
    )
    assert added.success and added.data.network == "ETHEREUM"
    assert added.data.notes.string_value == "from gRPC"
    listed = stub.ListWallets(pb.ListWalletsRequest(), metadata=_auth(user.token), timeout=10)
    assert [w.id for w in listed.data] == [added.data.id]
    assert listed.pagination.total == 1
    portfolio = stub.GetPortfolio(pb.GetPortfolioRequest(), metadata=_auth(user.token), timeout=10)
    assert portfolio.success and portfolio.data.wallet_count == 1


def test_errors_carry_the_documented_codes(stub, rest):
    owner, stranger = sign_up(rest), sign_up(rest)
    added = stub.AddWallet(
        pb.AddWalletRequest(name="Mine", address="0x" + "6b" * 20, network="POLYGON"),
        metadata=_auth(owner.token),
        timeout=10,
    )
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetWallet(
            pb.GetWalletRequest(wallet_id=added.data.id), metadata=_auth(stranger.token), timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert _details(caught.value)["ErrorInfo"].reason == "RESOURCE_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as caught:
        stub.AddWallet(
            pb.AddWalletRequest(name="Bad", address="0x1234", network="ETHEREUM"),
            metadata=_auth(owner.token),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as caught:
        stub.AddWallet(
            pb.AddWalletRequest(name="Bad", address="0x" + "6b" * 20, network="DOGE"),
            metadata=_auth(owner.token),
            timeout=10,
        )
    assert _details(caught.value)["ErrorInfo"].reason == "INVALID_NETWORK"


def test_the_progress_stream_is_a_server_stream(stub, rest):
    user = sign_up(rest)
    events = stub.StreamSyncProgress(
        pb.StreamSyncProgressRequest(), metadata=_auth(user.token), timeout=10
    )
    first = next(events)
    assert first["type"] == "connection_established"
    events.cancel()
