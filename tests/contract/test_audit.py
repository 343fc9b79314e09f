"""Every RPC that changes something declares its audit entry in the contract.

"Changes something" is read off the REST binding: POST, PUT, PATCH and DELETE. The entry is
written by the unit of work or the audit interceptor (tests/rest/test_audit.py shows both)."""

from __future__ import annotations

import re

import pytest

from server.app import SERVICE_MODULES
from server.platform.contract.registry import Registry

SPECS = Registry.from_modules(SERVICE_MODULES).specs()
MUTATING = [
    s for s in SPECS if s.http_rule and s.http_rule[0] in {"POST", "PUT", "PATCH", "DELETE"}
]
_ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


def test_there_are_mutating_rpcs():
    assert len(MUTATING) >= 25


@pytest.mark.parametrize("spec", MUTATING, ids=lambda s: s.path.rsplit("/", 2)[-1])
def test_every_mutating_rpc_declares_its_audit_entry(spec):
    assert spec.audit is not None, f"{spec.path} declares no (fingate.common.v1.audit)"
    action, target_type, target_field = spec.audit
    assert _ACTION.match(action) and target_type
    if target_field:
        assert spec.request is not None and target_field in spec.request.fields_by_name


def test_reads_declare_none():
    reads = [s.path for s in SPECS if s.audit and s.http_rule and s.http_rule[0] == "GET"]
    assert reads == []
