"""What each RPC declares in the contract (access, HTTP status, error format), by method path."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import Descriptor, MethodDescriptor, ServiceDescriptor

from fingate.common.v1 import options_pb2

# Organization roles by rank: a role satisfies every requirement at or below its own.
ORG_ROLE_RANK = {"VIEWER": 1, "EDITOR": 2, "OWNER": 3}


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A method's contract options, read once from its descriptor."""

    path: str  # /fingate.auth.v1.AuthService/SignUp
    public: bool
    user_roles: frozenset[str]
    http_status: int
    error_format: int  # options_pb2.ErrorFormat
    server_streaming: bool
    # The least organization role (VIEWER, EDITOR, OWNER); None when not organization-scoped.
    org_role: str | None = None
    # The rate-limit class name (GENERAL, WRITE, SYNC, LIVE, ADMIN, AUTH); None: not limited.
    rate_class: str | None = None
    # The primary REST binding, e.g. ("GET", "/api/v1/budgets/{budget_id}"); None for gRPC-only.
    http_rule: tuple[str, str] | None = None
    # Accepts an Idempotency-Key (server/platform/interceptors/idempotency.py).
    idempotent: bool = False
    # The request message type, whose declared field rules the validation interceptor checks.
    request: Descriptor | None = None
    # The audit entry a successful call writes: (action, target type, target request field).
    audit: tuple[str, str, str] | None = None
    # A request field that may carry the access token when the header is absent (EventSource).
    token_field: str | None = None
    # Service principals may call it (and, without org_role, only they and ADMIN users).
    internal: bool = False

    @property
    def endpoint(self) -> str:
        """How reports name the route: `GET /budgets/{budget_id}`, else the method path."""
        if self.http_rule is None:
            return self.path
        verb, template = self.http_rule
        return f"{verb} {template.removeprefix('/api/v1')}"


# Methods outside the fingate contract (grpc.health, grpc.reflection): public, Mappr errors.
_FOREIGN = MethodSpec("", True, frozenset(), 0, options_pb2.ERROR_FORMAT_ENVELOPE, False)


def http_rule_of(method: MethodDescriptor) -> tuple[str, str] | None:
    """The (verb, path template) of a method's google.api.http option, if it has one."""
    rule: http_pb2.HttpRule = method.GetOptions().Extensions[annotations_pb2.http]
    kind = rule.WhichOneof("pattern")
    if kind is None:
        return None
    if kind == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    return kind.upper(), getattr(rule, kind)


def _rate_class(
    declared: options_pb2.RateClass.ValueType,
    *,
    public: bool,
    user_roles: frozenset[str],
    rule: tuple[str, str] | None,
) -> str | None:
    """The declared class, else the one derived as options.proto's RateClass explains."""
    if declared != options_pb2.RATE_CLASS_UNSPECIFIED:
        name = options_pb2.RateClass.Name(declared).removeprefix("RATE_CLASS_")
        return None if name == "NONE" else name
    if public:
        return None
    if user_roles == {"ADMIN"}:
        return "ADMIN"
    if rule is not None and rule[0] in {"POST", "PUT", "PATCH", "DELETE"}:
        return "WRITE"
    return "GENERAL"


def _audit(declared: options_pb2.Audit) -> tuple[str, str, str] | None:
    if not declared.action:
        return None
    if not declared.target_type:
        raise ValueError(f"audit {declared.action}: target_type is required")
    return declared.action, declared.target_type, declared.target_field


def _token_field(method: MethodDescriptor, name: str) -> str | None:
    if not name:
        return None
    field = method.input_type.fields_by_name.get(name)
    if field is None or field.type != field.TYPE_STRING:
        raise ValueError(f"{method.full_name}: token_field {name!r} is not a string field")
    return name


def _check_idempotent(spec: MethodSpec) -> None:
    # A key is scoped to its user and the stored answer is one message: refuse at start-up
    # what the interceptor could not honour.
    if spec.idempotent and (spec.public or spec.server_streaming):
        raise ValueError(f"{spec.path}: idempotent RPCs must be unary and need a signed-in user")


class Registry:
    """Method path → MethodSpec for every fingate service the server mounts."""

    def __init__(self, services: list[ServiceDescriptor]):
        self._specs: dict[str, MethodSpec] = {}
        for service in services:
            fmt = service.GetOptions().Extensions[options_pb2.error_format]
            for method in service.methods:
                opts = method.GetOptions()
                access = opts.Extensions[options_pb2.access]
                path = f"/{service.full_name}/{method.name}"
                roles = frozenset(access.user_roles)
                rule = http_rule_of(method)
                org_role = (
                    options_pb2.OrgRole.Name(access.org_role).removeprefix("ORG_ROLE_")
                    if access.org_role
                    else None
                )
                self._specs[path] = MethodSpec(
                    path=path,
                    public=access.public,
                    user_roles=roles,
                    http_status=opts.Extensions[options_pb2.http_status],
                    error_format=fmt or options_pb2.ERROR_FORMAT_ENVELOPE,
                    server_streaming=method.server_streaming,
                    org_role=org_role,
                    rate_class=_rate_class(
                        opts.Extensions[options_pb2.rate_class],
                        public=access.public,
                        user_roles=roles,
                        rule=rule,
                    ),
                    http_rule=rule,
                    idempotent=opts.Extensions[options_pb2.idempotent],
                    request=method.input_type,
                    audit=_audit(opts.Extensions[options_pb2.audit]),
                    token_field=_token_field(method, access.token_field),
                    internal=access.internal,
                )
                _check_idempotent(self._specs[path])

    @classmethod
    def from_modules(cls, modules: list[ModuleType]) -> Registry:
        """Every service declared by the given generated *_pb2 modules."""
        services = [s for m in modules for s in m.DESCRIPTOR.services_by_name.values()]
        return cls(services)

    def get(self, path: str) -> MethodSpec:
        """The spec of a method path; foreign services are public."""
        return self._specs.get(path, _FOREIGN)

    def specs(self) -> list[MethodSpec]:
        return [self._specs[p] for p in sorted(self._specs)]

    def paths(self) -> list[str]:
        return sorted(self._specs)
