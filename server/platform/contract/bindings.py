"""`python -m server.platform.contract.bindings gen/fingate.binpb`: the organization-path variants.

Every organization-scoped RPC (its `access.org_role` is set) is reachable under
`/api/v1/organizations/{organization_id}/…` as well as under its documented `/api/v1/…` path
(seed 004 "Organization Context Sources"). Rather than repeat that binding in every proto, the
build adds it here, to the descriptor set that Envoy transcodes from and that the OpenAPI
document is generated from. The path variable fills the request's `organization_id`, which the
tenant interceptor reads (server/platform/interceptors/tenant.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

from fingate.common.v1 import options_pb2

PREFIX = "/api/v1/"
ORG_PREFIX = "/api/v1/organizations/"
FIELD = "organization_id"
_VERBS = ("get", "put", "post", "delete", "patch")


def _rules(rule: http_pb2.HttpRule) -> list[http_pb2.HttpRule]:
    return [rule, *rule.additional_bindings]


def _key(rule: http_pb2.HttpRule) -> tuple[str, str]:
    verb = rule.WhichOneof("pattern") or ""
    path = getattr(rule, verb) if verb in _VERBS else rule.custom.path
    return verb, re.sub(r"\{[^}]*\}", "{}", path)


def org_variant(rule: http_pb2.HttpRule) -> http_pb2.HttpRule | None:
    """The `/api/v1/organizations/{organization_id}/…` twin of a binding, if it needs one."""
    verb = rule.WhichOneof("pattern")
    if verb not in _VERBS:
        return None
    path: str = getattr(rule, verb)
    if not path.startswith(PREFIX) or path.startswith(ORG_PREFIX):
        return None
    twin = http_pb2.HttpRule(body=rule.body, response_body=rule.response_body)
    setattr(twin, verb, f"{ORG_PREFIX}{{{FIELD}}}/{path.removeprefix(PREFIX)}")
    return twin


def add_org_bindings(fds: descriptor_pb2.FileDescriptorSet) -> list[str]:
    """Adds the variants in place; returns them as `VERB path` lines."""
    messages = {f".{f.package}.{m.name}": m for f in fds.file for m in f.message_type}
    bound = {
        _key(r)
        for f in fds.file
        for s in f.service
        for m in s.method
        for r in _rules(m.options.Extensions[annotations_pb2.http])
    }
    added: list[str] = []
    for f in fds.file:
        for service in f.service:
            for method in service.method:
                if not method.options.Extensions[options_pb2.access].org_role:
                    continue
                request = messages[method.input_type]
                if FIELD not in {fld.name for fld in request.field}:
                    raise SystemExit(
                        f"{service.name}.{method.name}: an organization-scoped request needs "
                        f"a `{FIELD}` field ({method.input_type})"
                    )
                http = method.options.Extensions[annotations_pb2.http]
                for rule in _rules(http):
                    twin = org_variant(rule)
                    if twin is None:
                        continue
                    if _key(twin) in bound:
                        raise SystemExit(
                            f"{service.name}.{method.name}: {_key(twin)} is bound twice"
                        )
                    bound.add(_key(twin))
                    http.additional_bindings.append(twin)
                    verb = twin.WhichOneof("pattern") or ""
                    added.append(f"{verb.upper()} {getattr(twin, verb)}")
    return added


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    fds = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())
    added = add_org_bindings(fds)
    path.write_bytes(fds.SerializeToString())
    print(f"organization-path bindings added: {len(added)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
