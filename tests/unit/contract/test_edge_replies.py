"""Envoy's own replies come from the declared error formats and the status table
(server/platform/contract/edge_replies.py), not from tables of their own."""

from __future__ import annotations

import re

import pytest
from google.protobuf import descriptor_pb2

from fingate.common.v1 import options_pb2
from server.platform.contract.edge_replies import (
    LOCAL_REPLIES,
    format_routes,
    local_reply_mappers,
    lua_tables,
)
from server.platform.envelopes import STATUS_DEFAULTS
from tests.conftest import ROOT

FDS = descriptor_pb2.FileDescriptorSet.FromString((ROOT / "gen/fingate.binpb").read_bytes())
ORG = "0190f1c2-0000-7000-8000-000000000000"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/api/v1/accounts", True),
        ("/api/v1/accounts/abc?x=1", True),
        (f"/api/v1/organizations/{ORG}/accounts", True),
        ("/api/v1/providers/c1/accounts", True),
        ("/api/v1/accounts/syncs", True),
        ("/api/v1/budgets", False),
        ("/api/v1/accountsx", False),
        ("/api/v1/banking/accounts", False),
    ],
)
def test_the_problem_format_covers_exactly_the_routes_of_services_declaring_it(path, problem):
    rest, _ = format_routes(FDS)[options_pb2.ERROR_FORMAT_PROBLEM]
    assert (re.match(rest, path) is not None) is problem


def test_transcoded_calls_of_those_services_match_too():
    _, grpc = format_routes(FDS)[options_pb2.ERROR_FORMAT_PROBLEM]
    assert re.match(grpc, "/fingate.accounts.v1.AccountService/ListAccounts")
    assert not re.match(grpc, "/fingate.budgets.v1.BudgetService/ListBudgets")


def test_every_format_gets_every_reply_and_the_envelope_comes_last():
    mappers = local_reply_mappers(FDS).split("\n            - filter:")
    assert len(mappers) == len(LOCAL_REPLIES) * (1 + len(format_routes(FDS)))
    assert '"code": "INTERNAL_ERROR"' in mappers[-2]


def test_filter_lua_tables_hold_the_status_table():
    tables = lua_tables()
    for status, (code, text, _) in STATUS_DEFAULTS.items():
        assert f'[{status}] = "{code}"' in tables and f'[{status}] = "{text}"' in tables
