"""What each RPC declares in the contract (access, HTTP status, error format), by method path."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from google.protobuf.descriptor import ServiceDescriptor

from fingate.common.v1 import options_pb2


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A method's contract options, read once from its descriptor."""

    path: str  # /fingate.auth.v1.AuthService/SignUp
    public: bool
    user_roles: frozenset[str]
    http_status: int
    error_format: int  # options_pb2.ErrorFormat
    server_streaming: bool


# Methods outside the fingate contract (grpc.health, grpc.reflection): public, Mappr errors.
_FOREIGN = MethodSpec("", True, frozenset(), 0, options_pb2.ERROR_FORMAT_MAPPR, False)


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
                self._specs[path] = MethodSpec(
                    path=path,
                    public=access.public,
                    user_roles=frozenset(access.user_roles),
                    http_status=opts.Extensions[options_pb2.http_status],
                    error_format=fmt or options_pb2.ERROR_FORMAT_MAPPR,
                    server_streaming=method.server_streaming,
                )

    @classmethod
    def from_modules(cls, modules: list[ModuleType]) -> Registry:
        """Every service declared by the given generated *_pb2 modules."""
        services = [s for m in modules for s in m.DESCRIPTOR.services_by_name.values()]
        return cls(services)

    def get(self, path: str) -> MethodSpec:
        """The spec of a method path; foreign services are public."""
        return self._specs.get(path, _FOREIGN)

    def paths(self) -> list[str]:
        return sorted(self._specs)
