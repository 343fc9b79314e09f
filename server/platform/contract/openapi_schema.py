"""Schemas (OpenAPI 3.0.3, which Swagger UI 4 renders) for protobuf types, proto3 JSON mapping.

`ProtoIndex` finds messages, enums, services and their comments (source info) in a descriptor
set; `SchemaBuilder` turns messages into `components/schemas` entries keyed by full proto name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pb2 as pb

from server.platform.contract.openapi_constraints import (
    constrain,
    declared_rules,
    is_declared_required,
)

Schema = dict[str, Any]
FD = pb.FieldDescriptorProto
_Path = tuple[int, ...]
_Docs = dict[_Path, str]


def _scalar(type_: str, fmt: str | None = None) -> Schema:
    return {"type": type_, "format": fmt} if fmt else {"type": type_}


_INT32, _UINT32 = _scalar("integer", "int32"), {"type": "integer", "format": "uint32", "minimum": 0}
_INT64, _UINT64 = _scalar("string", "int64"), _scalar("string", "uint64")  # JSON strings in proto3
SCALARS: dict[int, Schema] = {
    FD.TYPE_DOUBLE: _scalar("number", "double"),
    FD.TYPE_FLOAT: _scalar("number", "float"),
    FD.TYPE_INT32: _INT32,
    FD.TYPE_SINT32: _INT32,
    FD.TYPE_SFIXED32: _INT32,
    FD.TYPE_UINT32: _UINT32,
    FD.TYPE_FIXED32: _UINT32,
    FD.TYPE_INT64: _INT64,
    FD.TYPE_SINT64: _INT64,
    FD.TYPE_SFIXED64: _INT64,
    FD.TYPE_UINT64: _UINT64,
    FD.TYPE_FIXED64: _UINT64,
    FD.TYPE_BOOL: _scalar("boolean"),
    FD.TYPE_STRING: _scalar("string"),
    FD.TYPE_BYTES: _scalar("string", "byte"),
}


def _nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


_WRAPPED = {
    "Double": FD.TYPE_DOUBLE,
    "Float": FD.TYPE_FLOAT,
    "Int64": FD.TYPE_INT64,
    "UInt64": FD.TYPE_UINT64,
    "Int32": FD.TYPE_INT32,
    "UInt32": FD.TYPE_UINT32,
    "Bool": FD.TYPE_BOOL,
    "String": FD.TYPE_STRING,
    "Bytes": FD.TYPE_BYTES,
}
# Well-known types have their own JSON form and are inlined, never listed as components.
WELL_KNOWN: dict[str, Schema] = {
    "google.protobuf.Timestamp": _scalar("string", "date-time"),
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    "google.protobuf.FieldMask": _scalar("string"),
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {"description": "Any JSON value, including null.", "nullable": True},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.NullValue": {"nullable": True, "enum": [None]},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": _scalar("string")},
        "required": ["@type"],
        "additionalProperties": True,
    },
    **{f"google.protobuf.{k}Value": _nullable(SCALARS[t]) for k, t in _WRAPPED.items()},
}


def _clean(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines()).strip()


@dataclass
class ProtoIndex:
    """Messages, enums and services of a descriptor set by full name, with their comments."""

    messages: dict[str, pb.DescriptorProto] = field(default_factory=dict)
    enums: dict[str, pb.EnumDescriptorProto] = field(default_factory=dict)
    services: dict[str, pb.ServiceDescriptorProto] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_set(cls, fds: pb.FileDescriptorSet) -> ProtoIndex:
        index = cls()
        for file in fds.file:
            index._add_file(file)
        return index

    def comment(self, full_name: str) -> str:
        """The leading (else trailing) comment of an element, '' when it has none."""
        return self.comments.get(full_name, "")

    def _add_file(self, file: pb.FileDescriptorProto) -> None:
        # Source info addresses elements by path: message_type=4, field=2, nested_type=3,
        # enum_type=5 (4 inside a message), enum value=2, service=6, method=2.
        docs = {
            tuple(loc.path): _clean(loc.leading_comments or loc.trailing_comments)
            for loc in file.source_code_info.location
        }
        self._add_messages(docs, file.message_type, file.package, (4,))
        self._add_enums(docs, file.enum_type, file.package, (5,))
        for i, service in enumerate(file.service):
            name = f"{file.package}.{service.name}".lstrip(".")
            self.services[name] = service
            self._note(docs, name, (6, i))
            for j, method in enumerate(service.method):
                self._note(docs, f"{name}.{method.name}", (6, i, 2, j))

    def _note(self, docs: _Docs, name: str, path: tuple[int, ...]) -> None:
        if text := docs.get(path):
            self.comments[name] = text

    def _add_messages(
        self, docs: _Docs, messages: Iterable[pb.DescriptorProto], scope: str, path: _Path
    ) -> None:
        for i, message in enumerate(messages):
            name, here = f"{scope}.{message.name}".lstrip("."), (*path, i)
            self.messages[name] = message
            self._note(docs, name, here)
            for j, fld in enumerate(message.field):
                self._note(docs, f"{name}.{fld.name}", (*here, 2, j))
            self._add_messages(docs, message.nested_type, name, (*here, 3))
            self._add_enums(docs, message.enum_type, name, (*here, 4))

    def _add_enums(
        self, docs: _Docs, enums: Iterable[pb.EnumDescriptorProto], scope: str, path: _Path
    ) -> None:
        for i, enum in enumerate(enums):
            name, here = f"{scope}.{enum.name}".lstrip("."), (*path, i)
            self.enums[name] = enum
            self._note(docs, name, here)
            for j, value in enumerate(enum.value):
                self._note(docs, f"{name}.{value.name}", (*here, 2, j))


def is_required(doc: str, fld: pb.FieldDescriptorProto) -> bool:
    """Whether a request field is required: documented so (its comment starts "Required.") or
    declared so (a rule that refuses an empty value)."""
    if fld.proto3_optional:
        return False
    return doc.startswith("Required.") or is_declared_required(declared_rules(fld))


class SchemaBuilder:
    """Builds field schemas, registering referenced messages and enums as components."""

    def __init__(self, index: ProtoIndex) -> None:
        self.index = index
        self.components: dict[str, Schema] = {}
        self._built: set[tuple[str, bool]] = set()

    def ref(self, type_name: str, *, request: bool) -> Schema:
        """An inline schema for a well-known type, else a `$ref` to the type's component."""
        name = type_name.lstrip(".")
        if name in WELL_KNOWN:
            return dict(WELL_KNOWN[name])
        if name in self.index.enums:
            self.components.setdefault(name, self._enum(name))
        elif (name, True) not in self._built and (name, request) not in self._built:
            # A message reached from a request is rebuilt once more with its `required` list.
            self._built.add((name, request))
            self.components[name] = self.message(name, request=request)
        return {"$ref": f"#/components/schemas/{name}"}

    def field(self, fld: pb.FieldDescriptorProto, *, request: bool) -> Schema:
        """The JSON schema of one field's value (without its description)."""
        if fld.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
            entry = self.index.messages.get(fld.type_name.lstrip("."))
            if entry is not None and entry.options.map_entry:
                values = self.field(entry.field[1], request=request)
                return {"type": "object", "additionalProperties": values}
            schema = self.ref(fld.type_name, request=request)
        elif fld.type == FD.TYPE_ENUM:
            schema = self.ref(fld.type_name, request=request)
        else:
            schema = dict(SCALARS[fld.type])
        if fld.label == FD.LABEL_REPEATED:
            return {"type": "array", "items": schema}
        return schema

    def described(self, owner: str, fld: pb.FieldDescriptorProto, *, request: bool) -> Schema:
        """A field's schema with the field's comment as its description and the constraints
        its rules declare."""
        schema = self.field(fld, request=request)
        if doc := self.index.comment(f"{owner}.{fld.name}"):
            schema["description"] = doc
        return constrain(schema, declared_rules(fld))

    def message(self, name: str, *, request: bool, exclude: frozenset[str] = frozenset()) -> Schema:
        """An object schema with one property per field (by json_name), minus `exclude`."""
        properties: Schema = {}
        required: list[str] = []
        for fld in self.index.messages[name].field:
            if fld.name in exclude:
                continue
            key = fld.json_name or fld.name
            properties[key] = self.described(name, fld, request=request)
            if request and is_required(self.index.comment(f"{name}.{fld.name}"), fld):
                required.append(key)
        schema: Schema = {"description": doc} if (doc := self.index.comment(name)) else {}
        schema.update(type="object", properties=properties)
        if required:
            schema["required"] = required
        return schema

    def _enum(self, name: str) -> Schema:
        values = [value.name for value in self.index.enums[name].value]
        lines = [self.index.comment(name)] if self.index.comment(name) else []
        for value in values:
            if doc := self.index.comment(f"{name}.{value}"):
                lines.append(f"- `{value}`: {doc}")
        schema: Schema = {"type": "string", "enum": values}
        if lines:
            schema["description"] = "\n".join(lines)
        return schema

    def field_at(self, message: str, field_path: str) -> tuple[str, pb.FieldDescriptorProto] | None:
        """The owner and descriptor of a (dotted) field path, None when it does not resolve."""
        owner, found = message, None
        for part in field_path.split("."):
            if found is not None:
                owner = found.type_name.lstrip(".")
            if (descriptor := self.index.messages.get(owner)) is None:
                return None
            if (found := {f.name: f for f in descriptor.field}.get(part)) is None:
                return None
        return (owner, found) if found is not None else None

    def parameter(self, message: str, field_path: str, where: str, name: str) -> Schema:
        """An OpenAPI parameter (`path` or `query`) bound to a field of a request message."""
        param: Schema = {"name": name, "in": where}
        schema: Schema = {"type": "string"}
        if (located := self.field_at(message, field_path)) is not None:
            owner, fld = located
            schema = self.field(fld, request=True)
            if doc := self.index.comment(f"{owner}.{fld.name}"):
                param["description"] = doc
            constrain(schema, declared_rules(fld))
            if where == "query" and is_required(doc, fld):
                param["required"] = True
        if where == "path":
            param["required"] = True
        param["schema"] = schema
        return param
