"""Every RPC's comment, which /docs publishes, names the errors it answers.

The last paragraph of each RPC comment reads `Errors: CODE (status), …` (or says it has none of
its own). The codes must be the error table's, with their statuses, and include every error
the RPC's declared options imply: UNAUTHORIZED without `public`, FORBIDDEN with a role,
RESOURCE_NOT_FOUND for an organization-scoped RPC (an unknown organization), RATE_LIMIT_EXCEEDED
with a rate class, INVALID_INPUT when the request declares field rules."""

from __future__ import annotations

import re

import pytest
from buf.validate import validate_pb2
from google.protobuf import descriptor_pb2

from server.app import SERVICE_MODULES
from server.platform.contract.openapi_schema import ProtoIndex
from server.platform.contract.registry import Registry
from server.platform.envelopes import STATUS_DEFAULTS
from server.platform.errors import ERROR_TABLE
from tests.conftest import ROOT

SPECS = Registry.from_modules(SERVICE_MODULES).specs()
INDEX = ProtoIndex.from_set(
    descriptor_pb2.FileDescriptorSet.FromString((ROOT / "gen/fingate.binpb").read_bytes())
)
KNOWN = {spec.reason: spec.http_status for spec in ERROR_TABLE.values()} | {
    code: status for status, (code, _, _) in STATUS_DEFAULTS.items()
}
_LISTED = re.compile(r"Errors: (.*?)\.(?:\s|$)", re.S)
_ITEM = re.compile(r"([A-Z_]+) \((\d{3})\)")


def _declares_rules(descriptor) -> bool:
    return any(f.GetOptions().HasExtension(validate_pb2.field) for f in descriptor.fields)


def implied(spec) -> set[str]:
    codes = set()
    if not spec.public:
        codes.add("UNAUTHORIZED")
    if spec.user_roles or spec.org_role:
        codes.add("FORBIDDEN")
    if spec.org_role:
        codes.add("RESOURCE_NOT_FOUND")
    if spec.rate_class:
        codes.add("RATE_LIMIT_EXCEEDED")
    if spec.request is not None and _declares_rules(spec.request):
        codes.add("INVALID_INPUT")
    return codes


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.path[1:].replace("/", "."))
def test_every_rpc_comment_names_its_errors(spec):
    comment = " ".join(INDEX.comment(spec.path[1:].replace("/", ".")).split())
    found = _LISTED.search(comment)
    assert found, f"{spec.path}: no `Errors:` paragraph"
    if found[1] == "none of its own":
        listed = {}
    else:
        listed = {code: int(status) for code, status in _ITEM.findall(found[1])}
        assert listed, found[1]
    for code, status in listed.items():
        assert KNOWN.get(code) == status, f"{code} ({status}) is not in the error table"
    assert implied(spec) <= set(listed), sorted(implied(spec) - set(listed))
