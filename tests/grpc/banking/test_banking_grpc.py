"""BankingService over gRPC (internal callers): Values for nullable fields, organization from
metadata, another organization's account as NOT_FOUND with its ErrorInfo."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest
from google.protobuf import struct_pb2

import server.schema  # noqa: F401  (the factories' foreign keys)
from fingate.banking.v1 import banking_service_pb2 as pb
from fingate.banking.v1 import banking_service_pb2_grpc
from tests.factories.banking import Txn, insert_transactions
from tests.grpc.auth.test_auth_grpc import _details
from tests.rest.banking.bank import make_bank


@pytest.fixture(scope="module")
def stub(channel):
    return banking_service_pb2_grpc.BankingServiceStub(channel)


async def test_transactions_with_null_merchant_and_summary(stub, rest, db):
    bank = await make_bank(rest, db)
    day = dt.datetime(2025, 1, 21, 8, 30, tzinfo=dt.UTC)
    await insert_transactions(
        db,
        bank.org_id,
        bank.checking,
        [Txn("-45.67", day), Txn("12.00", day, merchant_name=None, category=None)],
    )
    metadata = [
        ("authorization", f"Bearer {bank.user.token}"),
        ("x-organization-id", bank.org_id),
    ]
    reply = stub.ListTransactions(
        pb.ListTransactionsRequest(limit=10), metadata=metadata, timeout=10
    )
    assert reply.pagination.total == 2
    assert (reply.summary.total_income, reply.summary.total_expenses) == (12.0, 45.67)
    kinds = {t.transaction_type: t for t in reply.data}
    assert kinds["debit"].merchant_name.string_value == "Starbucks"
    assert kinds["credit"].merchant_name.WhichOneof("kind") == "null_value"
    assert kinds["credit"].category.null_value == struct_pb2.NULL_VALUE


async def test_another_organizations_account_is_not_found(stub, rest, db):
    bank = await make_bank(rest, db)
    other = await make_bank(rest, db)
    metadata = [("authorization", f"Bearer {bank.user.token}")]
    for account in (str(other.checking), str(uuid.uuid4())):
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetAccount(pb.GetAccountRequest(account_id=account), metadata=metadata, timeout=10)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert _details(caught.value)["ErrorInfo"].reason == "RESOURCE_NOT_FOUND"
