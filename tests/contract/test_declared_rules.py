"""Every request field whose comment states a constraint declares it as a rule.

The comments are what /docs shows; the declared rules are what the server enforces
(server/platform/contract/constraints.py) and /openapi.json states. A comment saying "1 to 100
characters", "(UUID)", "`YYYY-MM-DD`", "`A`, `B` or `C`" or "Required." over a field without
a rule is a documented constraint nobody enforces in one place: this test names it. The
exceptions below are constraints another single place owns, each with its reason.
"""

from __future__ import annotations

import re

from buf.validate import validate_pb2
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from server.app import SERVICE_MODULES
from server.platform.contract.openapi_schema import ProtoIndex
from server.platform.contract.registry import Registry
from tests.conftest import ROOT

_STATED = [
    re.compile(r"\b\d+ to \d+\b"),
    re.compile(r"\bat (?:most|least) \d+\b", re.I),
    re.compile(r"\bUp to \d+\b"),
    re.compile(r"\(UUID\)"),
    re.compile(r"`YYYY-MM-DD`"),
    re.compile(r"`[A-Za-z_]+`(?:, `[A-Za-z_]+`)* or `[A-Za-z_]+`"),
    re.compile(r"^Required\."),
]

# Constraints another single place owns.
OWNED_ELSEWHERE = {
    # The tenant interceptor resolves and checks the organization of every scoped RPC.
    "organization_id": "the tenant interceptor",
    # Plans are looked up in the plan catalog, whose ids the message lists.
    "fingate.subscriptions.v1.SubscribeRequest.plan_id": "the plan catalog",
    "fingate.subscriptions.v1.ChangePlanRequest.plan_id": "the plan catalog",
    # Required only for a paid plan: a rule between two fields, in the domain.
    "fingate.subscriptions.v1.SubscribeRequest.payment_method_id": "a cross-field rule",
    # Providers are looked up in the provider registry (unknown: 400 naming the provider).
    "fingate.integrations.v1.ConnectIntegrationRequest.provider": "the provider registry",
    # Dashtam's account operations answer problem details from their own domain rules.
    "fingate.accounts.v1.SyncAccountsRequest.connection_id": "the accounts domain",
}


def _request_messages() -> dict[str, Descriptor]:
    found: dict[str, Descriptor] = {}

    def walk(descriptor: Descriptor) -> None:
        if descriptor.full_name in found or descriptor.file.package.startswith("google."):
            return
        found[descriptor.full_name] = descriptor
        for fd in descriptor.fields:
            if fd.message_type is not None:
                walk(fd.message_type)

    for spec in Registry.from_modules(SERVICE_MODULES).specs():
        if spec.request is not None:
            walk(spec.request)
    return found


def _path_fields() -> set[str]:
    """Request fields some REST binding takes from the path."""
    bound = set()
    for module in SERVICE_MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                rule = method.GetOptions().Extensions[annotations_pb2.http]
                for binding in [rule, *rule.additional_bindings]:
                    kind = binding.WhichOneof("pattern")
                    path = (
                        binding.custom.path if kind == "custom" else getattr(binding, kind or "get")
                    )
                    for name in re.findall(r"\{([a-z_]+)", path):
                        bound.add(f"{method.input_type.full_name}.{name}")
    return bound


def _stated(doc: str) -> bool:
    return any(p.search(doc) for p in _STATED)


def _exempt(fd: FieldDescriptor, bound_to_path: set[str]) -> bool:
    # An id in the path that is no UUID names nothing: 404, as for an unknown one.
    if fd.full_name in bound_to_path:
        return True
    return fd.name in OWNED_ELSEWHERE or fd.full_name in OWNED_ELSEWHERE


def test_every_stated_constraint_is_declared():
    fds = descriptor_pb2.FileDescriptorSet.FromString((ROOT / "gen/fingate.binpb").read_bytes())
    index = ProtoIndex.from_set(fds)
    bound = _path_fields()
    undeclared = []
    for descriptor in _request_messages().values():
        for fd in descriptor.fields:
            doc = index.comment(fd.full_name)
            if not _stated(doc) or _exempt(fd, bound):
                continue
            if fd.message_type is not None and not fd.is_repeated:
                rules = fd.GetOptions().Extensions[validate_pb2.field]
                if doc.startswith("Required.") and not rules.required:
                    undeclared.append(fd.full_name)
                continue
            if not fd.GetOptions().HasExtension(validate_pb2.field):
                undeclared.append(f"{fd.full_name}: {doc}")
    assert undeclared == []
