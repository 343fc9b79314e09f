"""GoalService over gRPC (internal callers): create, list, get with milestones, and the error
contract: field violations as INVALID_ARGUMENT, another organization's goal as NOT_FOUND, the
plan limit as PERMISSION_DENIED, each with its documented ErrorInfo reason."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from fingate.goals.v1 import goal_service_pb2 as pb
from fingate.goals.v1 import goal_service_pb2_grpc
from tests.factories.auth import sign_up
from tests.grpc.auth.test_auth_grpc import _details

NEXT_YEAR = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=366)).isoformat()


@pytest.fixture(scope="module")
def stub(channel):
    return goal_service_pb2_grpc.GoalServiceStub(channel)


def _auth(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def _create(stub, token, **fields):
    request = pb.CreateGoalRequest(
        **{"name": "Fund", "target_amount": 400, "target_date": NEXT_YEAR, **fields}
    )
    return stub.CreateGoal(request, metadata=_auth(token), timeout=10)


def test_create_list_and_get(stub, rest):
    user = sign_up(rest)
    made = _create(stub, user.token, current_amount=100, category="TRAVEL")
    assert made.success and made.data.status == "IN_PROGRESS"
    assert (made.data.current_amount, made.data.percent_complete) == (100, 25)
    assert made.data.description.WhichOneof("kind") == "null_value"
    listed = stub.ListGoals(pb.ListGoalsRequest(), metadata=_auth(user.token), timeout=10)
    assert [g.id for g in listed.data] == [made.data.id] and listed.pagination.total == 1
    got = stub.GetGoal(pb.GetGoalRequest(goal_id=made.data.id), metadata=_auth(user.token))
    assert [(m.target_amount, m.completed) for m in got.data.milestones] == [
        (100, True),
        (200, False),
        (300, False),
        (400, False),
    ]


def test_errors_carry_the_documented_codes(stub, rest):
    owner, stranger = sign_up(rest), sign_up(rest)
    made = _create(stub, owner.token)
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetGoal(pb.GetGoalRequest(goal_id=made.data.id), metadata=_auth(stranger.token))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert _details(caught.value)["ErrorInfo"].reason == "RESOURCE_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as caught:
        _create(stub, owner.token, target_amount=-1, category="YACHT")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in _details(caught.value)["BadRequest"].field_violations}
    assert fields == {"targetAmount", "category"}
    _create(stub, owner.token)
    _create(stub, owner.token)
    with pytest.raises(grpc.RpcError) as caught:
        _create(stub, owner.token)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _details(caught.value)["ErrorInfo"].reason == "PLAN_LIMIT_EXCEEDED"
