"""The OpenAPI 3.0.3 document of the REST API, derived only from the descriptor set.

Every `google.api.http` binding of a `fingate.*` service becomes an operation: path and query
parameters, request body, success status (`(fingate.common.v1.http_status)`), the error envelope
and security (`(fingate.common.v1.access)`) all come from the descriptors and their comments, so
a new proto is documented without touching this module.

Usage: `python -m server.platform.contract.openapi IN.binpb OUT.json`.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import re
import sys
from collections.abc import Sequence
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2 as pb

from fingate.common.v1 import options_pb2
from server.platform.contract.openapi_schema import (
    FD,
    ProtoIndex,
    Schema,
    SchemaBuilder,
    is_required,
)

PACKAGE_PREFIX = "fingate."
ERROR_ENVELOPE = "fingate.common.v1.ErrorEnvelope"
SIMPLE_ERROR = "fingate.common.v1.SimpleError"
HTTP_BODY = "google.api.HttpBody"
_VERBS = ("get", "put", "post", "delete", "patch")
_VARIABLE = re.compile(r"\{([^}=]+)(?:=[^}]*)?\}")  # `{name}`, `{name=**}`, `{a.b=x/*}`
_BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_IDEMPOTENCY_KEY: Schema = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Optional. 1 to 255 printable ASCII characters, unique per attempted operation (a UUID)."
        " A retry with the same key and the same request returns the first response without"
        " repeating it; the same key with another request, or while the first is still running,"
        " answers 409 CONFLICT. Failed requests are not remembered; keys expire after 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_Options = TypeVar("_Options", pb.MethodOptions, pb.ServiceOptions)


def build_openapi(fds: pb.FileDescriptorSet, *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document for every HTTP binding of the `fingate.*` services in `fds`."""
    index = ProtoIndex.from_set(fds)
    schemas = SchemaBuilder(index)
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    tags: list[Schema] = []
    for service_name, service in sorted(index.services.items()):
        if not service_name.startswith(PACKAGE_PREFIX):
            continue
        tag: dict[str, Any] = {"name": service.name}
        if doc := index.comment(service_name):
            tag["description"] = doc
        tags.append(tag)
        error = _error_response(service, schemas)
        for method in service.method:
            for n, rule in enumerate(_bindings(method)):
                verb, template = _verb_and_template(rule)
                path = _VARIABLE.sub(r"{\1}", template)
                operation_id = f"{service.name}_{method.name}" + (f"_{n + 1}" if n else "")
                if verb in paths.get(path, {}) or operation_id in operation_ids:
                    raise ValueError(f"{verb.upper()} {path} ({operation_id}) is bound twice")
                operation_ids.add(operation_id)
                operation: Schema = {"operationId": operation_id, "tags": [service.name]}
                operation.update(_operation(f"{service_name}.{method.name}", method, schemas))
                operation.update(_request(method, rule, template, schemas))
                operation["responses"] = {**_success(method, rule, path, schemas), **error}
                paths.setdefault(path, {})[verb] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version},
        "tags": tags,
        "security": _BEARER,
        "paths": {
            path: {verb: item[verb] for verb in _VERBS if verb in item}
            for path, item in sorted(paths.items())
        },
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }


def _bindings(method: pb.MethodDescriptorProto) -> list[Any]:
    options = _reparse(method.options)
    if not options.HasExtension(annotations_pb2.http):
        return []
    rule = options.Extensions[annotations_pb2.http]
    return [rule, *rule.additional_bindings]


def _reparse(options: _Options) -> _Options:
    # Options parsed before the extension's module was imported keep it as unknown bytes;
    # parsing them again now that options_pb2 and annotations_pb2 are loaded resolves them.
    return type(options).FromString(options.SerializeToString())


def _verb_and_template(rule: Any) -> tuple[str, str]:
    pattern = rule.WhichOneof("pattern")
    if pattern == "custom":
        verb, template = rule.custom.kind.lower(), rule.custom.path
    else:
        verb, template = pattern, getattr(rule, pattern)
    if verb not in _VERBS:
        raise ValueError(f"unsupported HTTP method {verb!r} for {template}")
    return verb, template


def _summary(doc: str) -> str:
    paragraph = doc.split("\n\n")[0].replace("\n", " ")
    match = re.match(r"(.+?\.)(?:\s|$)", paragraph)
    return match.group(1) if match else paragraph


def _operation(full_name: str, method: pb.MethodDescriptorProto, schemas: SchemaBuilder) -> Schema:
    """Summary, description and security of one RPC."""
    access = _reparse(method.options).Extensions[options_pb2.access]
    result: Schema = {}
    doc = schemas.index.comment(full_name)
    if access.user_roles:
        doc = f"{doc}\n\nRequires the user role {' or '.join(access.user_roles)}.".strip()
    if doc:
        result.update(summary=_summary(doc), description=doc)
    result["security"] = [] if access.public else _BEARER
    return result


def _request(
    method: pb.MethodDescriptorProto, rule: Any, template: str, schemas: SchemaBuilder
) -> Schema:
    """Path and query parameters and the request body of one binding."""
    message = method.input_type.lstrip(".")
    bound = _VARIABLE.findall(template)
    params = [schemas.parameter(message, name, "path", name) for name in bound]
    top_bound = frozenset(name for name in bound if "." not in name)
    body: Schema | None = None
    if message == HTTP_BODY and rule.body:
        body = {"content": {"*/*": {}}, "required": True}
    elif rule.body == "*":
        inline = schemas.message(message, request=True, exclude=top_bound)
        schema = inline if top_bound else schemas.ref(message, request=True)
        # The body may be omitted (an empty message) unless some field in it is required.
        needed = bool(inline.get("required"))
        body = {"content": {"application/json": {"schema": schema}}, "required": needed}
    elif rule.body:
        located = schemas.field_at(message, rule.body)
        if located is None:
            raise ValueError(f"body field {rule.body!r} is not a field of {message}")
        schema = schemas.described(*located, request=True)
        needed = is_required(schema.get("description", ""), located[1])
        body = {"content": {"application/json": {"schema": schema}}, "required": needed}
    if rule.body != "*" and message != HTTP_BODY:
        for fld in schemas.index.messages[message].field:
            if fld.name in top_bound or fld.name == rule.body or fld.type == FD.TYPE_MESSAGE:
                continue  # query parameters are top-level scalars (repeated ones repeat)
            params.append(schemas.parameter(message, fld.name, "query", fld.json_name))
    if _reparse(method.options).Extensions[options_pb2.idempotent]:
        params.append(_IDEMPOTENCY_KEY)
    result: Schema = {"parameters": params} if params else {}
    if body is not None:
        result["requestBody"] = body
    return result


def _media_type(path: str) -> str:
    """The content type of a `google.api.HttpBody` response, as far as the path tells."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if "{" in last:
        return "*/*"
    if "." in last:
        return mimetypes.guess_type(last)[0] or "*/*"
    return "text/html"  # an extension-less literal page (`/docs`) is a browser page


def _success(
    method: pb.MethodDescriptorProto, rule: Any, path: str, schemas: SchemaBuilder
) -> dict[str, Schema]:
    status = _reparse(method.options).Extensions[options_pb2.http_status] or 200
    response: Schema = {"description": HTTPStatus(status).phrase}
    output = method.output_type.lstrip(".")
    if status == HTTPStatus.NO_CONTENT:
        return {str(status): response}
    if output == HTTP_BODY:
        response["content"] = {_media_type(path): {}}
        return {str(status): response}
    located = schemas.field_at(output, rule.response_body) if rule.response_body else None
    schema = (
        schemas.field(located[1], request=False)
        if located is not None
        else schemas.ref(output, request=False)
    )
    if method.server_streaming:  # the transcoder frames a stream as one JSON array
        schema = {"type": "array", "items": schema}
    response["content"] = {"application/json": {"schema": schema}}
    return {str(status): response}


def _error_response(service: pb.ServiceDescriptorProto, schemas: SchemaBuilder) -> Schema:
    """The `default` response: the error body of the service's error format."""
    error_format = _reparse(service.options).Extensions[options_pb2.error_format]
    format_name = options_pb2.ErrorFormat.Name(error_format)
    enum_name = options_pb2.ErrorFormat.DESCRIPTOR.full_name
    if error_format in (options_pb2.ERROR_FORMAT_UNSPECIFIED, options_pb2.ERROR_FORMAT_ENVELOPE):
        if ERROR_ENVELOPE in schemas.index.messages:
            schema = schemas.ref(ERROR_ENVELOPE, request=False)
        else:
            schema = {"type": "object"}
        content = {"application/json": {"schema": schema}}
    elif error_format == options_pb2.ERROR_FORMAT_SIMPLE and SIMPLE_ERROR in schemas.index.messages:
        content = {"application/json": {"schema": schemas.ref(SIMPLE_ERROR, request=False)}}
    else:
        # No message describes these bodies yet: say which format, with an open object.
        doc = schemas.index.comment(f"{enum_name}.{format_name}")
        media = (
            "application/problem+json" if format_name.endswith("PROBLEM") else "application/json"
        )
        content = {media: {"schema": {"type": "object", "description": doc}}}
    return {"default": {"description": "Error", "content": content}}


def _package_version() -> str:
    try:
        return metadata.version("fingate")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def main(argv: Sequence[str] | None = None) -> int:
    """Read a descriptor set and write its OpenAPI document as pretty, stable JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m server.platform.contract.openapi", description=__doc__
    )
    parser.add_argument("descriptor_set", type=Path, help="FileDescriptorSet (.binpb)")
    parser.add_argument("output", type=Path, help="where to write the OpenAPI JSON")
    parser.add_argument("--title", default="fingate API")
    parser.add_argument("--version", default=_package_version())
    args = parser.parse_args(argv)
    fds = pb.FileDescriptorSet.FromString(args.descriptor_set.read_bytes())
    document = build_openapi(fds, title=args.title, version=args.version)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
