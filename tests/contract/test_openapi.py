"""The OpenAPI document generated from the descriptor set (server/platform/contract/openapi.py).

Checks the real contract (gen/fingate.binpb, built by `make gen`) route by route, the structural
rules of OpenAPI 3.0.3 that a validator would check, and a sample proto that exercises bindings and
types the real contract does not use yet.
"""

from __future__ import annotations

import json
import pathlib
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2 as pb

from server.platform.contract.openapi import build_openapi, main

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINPB = ROOT / "gen" / "fingate.binpb"
VERBS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean"}


def load(path: pathlib.Path) -> pb.FileDescriptorSet:
    assert path.exists(), f"{path} is missing: `make gen` builds it"
    return pb.FileDescriptorSet.FromString(path.read_bytes())


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_openapi(load(BINPB), title="fingate API", version="test")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for verb, operation in item.items():
            yield path, verb, operation


def http_bindings(fds: pb.FileDescriptorSet) -> set[tuple[str, str]]:
    """(verb, OpenAPI path) of every google.api.http rule of a fingate service, read directly."""
    found = set()
    for file in fds.file:
        if not file.package.startswith("fingate."):
            continue
        for service in file.service:
            for method in service.method:
                options = pb.MethodOptions.FromString(method.options.SerializeToString())
                if not options.HasExtension(annotations_pb2.http):
                    continue
                rule = options.Extensions[annotations_pb2.http]
                for r in [rule, *rule.additional_bindings]:
                    verb = r.WhichOneof("pattern")
                    template = getattr(r, verb)
                    found.add((verb, re.sub(r"\{([^}=]+)(=[^}]*)?\}", r"{\1}", template)))
    return found


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def assert_valid_openapi(document: dict[str, Any]) -> None:
    """Structural OpenAPI 3.0.3 rules (no validator dependency)."""
    assert document["openapi"].startswith("3.0.")
    assert isinstance(document["info"]["title"], str) and document["info"]["version"]
    schemes = document["components"]["securitySchemes"]
    tags = {tag["name"] for tag in document.get("tags", [])}
    schemas = document["components"]["schemas"]
    for ref in refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, f"dangling {ref}"
    operation_ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(operation_ids) == len(set(operation_ids))
    for path, verb, op in operations(document):
        assert path.startswith("/") and verb in VERBS
        assert set(op["tags"]) <= tags
        keys = [(p["name"], p["in"]) for p in op.get("parameters", [])]
        assert len(keys) == len(set(keys)), f"{verb} {path}: duplicate parameter"
        templated = set(re.findall(r"\{([^}]+)\}", path))
        assert {name for name, where in keys if where == "path"} == templated
        for param in op.get("parameters", []):
            assert param["in"] in {"path", "query", "header", "cookie"} and "schema" in param
            if param["in"] == "path":
                assert param["required"] is True
        if "requestBody" in op:
            assert op["requestBody"]["content"]
        assert op["responses"]
        for status, response in op["responses"].items():
            assert status == "default" or re.fullmatch(r"[1-5]\d\d", status), status
            assert isinstance(response["description"], str)
            if status == "204":
                assert "content" not in response
        for requirement in op.get("security", document.get("security", [])):
            assert set(requirement) <= set(schemes)
    for schema in schemas.values():
        kinds = schema.get("type", "object")
        assert set(kinds if isinstance(kinds, list) else [kinds]) <= JSON_TYPES


def test_every_http_binding_is_an_operation(doc: dict[str, Any]) -> None:
    expected = http_bindings(load(BINPB))
    assert expected
    assert {(verb, path) for path, verb, _ in operations(doc)} == expected


def test_document_is_structurally_valid_openapi_31(doc: dict[str, Any]) -> None:
    assert_valid_openapi(doc)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_sign_up_is_public_201_with_required_body(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/auth/sign-up"]["post"]
    assert op["operationId"] == "AuthService_SignUp"
    assert op["tags"] == ["AuthService"]
    assert op["summary"] and "ALREADY_EXISTS" in op["description"]
    assert op["security"] == []
    assert set(op["responses"]) == {"201", "default"}
    created = op["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/fingate.auth.v1.SignUpResponse"}
    body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert {"email", "password", "firstName"} <= set(body["properties"])
    assert {"email", "password"} <= set(body["required"])
    assert op["requestBody"]["required"] is True
    assert "phone" not in body["required"]
    assert body["properties"]["email"]["description"].startswith("Required.")


def test_errors_reference_the_error_envelope(doc: dict[str, Any]) -> None:
    envelope = {"$ref": "#/components/schemas/fingate.common.v1.ErrorEnvelope"}
    simple = {"$ref": "#/components/schemas/fingate.common.v1.SimpleError"}
    problem_services = {"AccountService"}  # ERROR_FORMAT_PROBLEM (seed 003)
    simple_services = {"AppService"}  # ERROR_FORMAT_SIMPLE (seed 002)
    for path, _, op in operations(doc):
        content = op["responses"]["default"]["content"]
        if set(op["tags"]) & problem_services:
            assert set(content) == {"application/problem+json"}, path
            continue
        expected = simple if set(op["tags"]) & simple_services else envelope
        assert content["application/json"]["schema"] == expected, path
    properties = doc["components"]["schemas"]["fingate.common.v1.ErrorEnvelope"]["properties"]
    assert {"success", "error", "code", "statusCode", "details"} <= set(properties)


def test_security_follows_the_access_option(doc: dict[str, Any]) -> None:
    assert doc["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/api/v1/auth/sign-out"]["post"]["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/health"]["get"]["security"] == []


def test_optional_bodies_are_not_required(doc: dict[str, Any]) -> None:
    assert doc["paths"]["/api/v1/auth/sign-out"]["post"]["requestBody"]["required"] is False
    assert doc["paths"]["/api/v1/auth/refresh"]["post"]["requestBody"]["required"] is False


def test_verify_email_takes_token_query_parameter(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/auth/verify-email"]["get"]
    assert "requestBody" not in op
    (token,) = [p for p in op["parameters"] if p["name"] == "token"]
    assert token["in"] == "query" and token["required"] is True
    assert token["schema"]["type"] == "string" and token["schema"]["maxLength"] == 256


def test_http_body_routes_have_no_schema(doc: dict[str, Any]) -> None:
    assert doc["paths"]["/openapi.json"]["get"]["responses"]["200"]["content"] == {
        "application/json": {}
    }
    assert doc["paths"]["/docs"]["get"]["responses"]["200"]["content"] == {"text/html": {}}
    asset = doc["paths"]["/docs/{path}"]["get"]
    assert asset["responses"]["200"]["content"] == {"*/*": {}}
    assert [(p["name"], p["in"]) for p in asset["parameters"]] == [("path", "path")]


def test_types_follow_proto3_json(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    user = schemas["fingate.auth.v1.User"]["properties"]
    assert user["createdAt"]["type"] == "string" and user["createdAt"]["format"] == "date-time"
    assert user["emailVerified"]["type"] == "boolean"
    assert "required" not in schemas["fingate.auth.v1.User"]  # a response, not a request
    assert schemas["fingate.common.v1.ErrorEnvelope"]["properties"]["statusCode"]["type"] == (
        "integer"
    )
    assert not [name for name in schemas if name.startswith("google.protobuf.")]


def test_cli_output_is_deterministic(tmp_path: pathlib.Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main([str(BINPB), str(first), "--version", "1"]) == 0
    assert main([str(BINPB), str(second), "--version", "1"]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["info"]["version"] == "1"


SAMPLE = """
syntax = "proto3";
package fingate.sample.v1;
import "fingate/common/v1/options.proto";
import "google/api/annotations.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

// Widgets.
service WidgetService {
  // Replaces a widget. More text.
  rpc UpdateWidget(UpdateWidgetRequest) returns (Widget) {
    option (google.api.http) = {
      put: "/v1/widgets/{widget_id}"
      body: "*"
      additional_bindings {patch: "/v1/widgets/{widget_id}" body: "widget"}
    };
  }
  // Deletes a widget.
  rpc DeleteWidget(DeleteWidgetRequest) returns (DeleteWidgetResponse) {
    option (google.api.http) = {delete: "/v1/widgets/{widget_id}"};
    option (fingate.common.v1.http_status) = 204;
  }
  // Lists widgets.
  rpc ListWidgets(ListWidgetsRequest) returns (ListWidgetsResponse) {
    option (google.api.http) = {get: "/v1/widgets"};
    option (fingate.common.v1.access) = {user_roles: "ADMIN"};
  }
}
// A colour.
enum Color {
  // Unset.
  COLOR_UNSPECIFIED = 0;
  // Red.
  COLOR_RED = 1;
}
// A widget.
message Widget {
  string id = 1;
  int64 count = 2;
  map<string, int32> labels = 3;
  repeated Color colors = 4;
  google.protobuf.Int32Value limit = 5;
  google.protobuf.Value last_error = 6;
  bytes blob = 7;
  string display_name = 8 [json_name = "display_name"];
  optional string note = 9;
  google.protobuf.Struct meta = 10;
  uint64 big = 11;
}
message UpdateWidgetRequest {
  // Required. The widget.
  string widget_id = 1;
  // Required. The new state.
  Widget widget = 2;
  // Required. Why.
  string reason = 3;
}
message DeleteWidgetRequest {
  string widget_id = 1;
  // Required. Confirmation.
  bool force = 2;
}
message DeleteWidgetResponse {}
message ListWidgetsRequest {
  int32 page = 1;
  repeated string ids = 2;
  Color color = 3;
  google.protobuf.Timestamp since = 4;
}
message ListWidgetsResponse {
  repeated Widget data = 1;
}
"""

FOREIGN = """
syntax = "proto3";
package acme.v1;
import "google/api/annotations.proto";
service Other {
  rpc Get(GetRequest) returns (GetRequest) {
    option (google.api.http) = {get: "/acme"};
  }
}
message GetRequest {}
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document of a sample proto compiled with protoc, as `make gen` compiles protos/."""
    grpc_tools = pytest.importorskip("grpc_tools")
    from grpc_tools import protoc  # type: ignore[import-untyped, unused-ignore]

    root = tmp_path_factory.mktemp("protos")
    (root / "fingate/sample/v1").mkdir(parents=True)
    (root / "fingate/sample/v1/sample.proto").write_text(textwrap.dedent(SAMPLE))
    (root / "acme.proto").write_text(FOREIGN)
    googleapis = pathlib.Path(annotations_pb2.__file__).parents[2]
    out = root / "sample.binpb"
    args = [
        "protoc",
        f"-I{root}",
        f"-I{ROOT / 'protos'}",
        f"-I{googleapis}",
        f"-I{pathlib.Path(grpc_tools.__file__).parent / '_proto'}",
        "--include_imports",
        "--include_source_info",
        f"--descriptor_set_out={out}",
        "fingate/sample/v1/sample.proto",
        "acme.proto",
    ]
    assert protoc.main(args) == 0
    return build_openapi(load(out), title="sample", version="0")


def test_sample_bindings_and_parameters(sample: dict[str, Any]) -> None:
    assert_valid_openapi(sample)
    assert "/acme" not in sample["paths"]  # only fingate.* services
    item = sample["paths"]["/v1/widgets/{widget_id}"]
    put, patch = item["put"], item["patch"]
    assert (put["operationId"], patch["operationId"]) == (
        "WidgetService_UpdateWidget",
        "WidgetService_UpdateWidget_2",
    )
    assert put["summary"] == "Replaces a widget."
    put_body = put["requestBody"]["content"]["application/json"]["schema"]
    assert set(put_body["properties"]) == {"widget", "reason"}  # minus the path-bound field
    assert put_body["required"] == ["widget", "reason"]
    assert [p["in"] for p in put["parameters"]] == ["path"]
    assert put["requestBody"]["required"] is True
    patch_body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert patch_body["$ref"] == "#/components/schemas/fingate.sample.v1.Widget"
    assert patch_body["description"] == "Required. The new state."
    assert [(p["name"], p["in"], p.get("required")) for p in patch["parameters"]] == [
        ("widget_id", "path", True),
        ("reason", "query", True),
    ]
    delete = item["delete"]
    assert delete["responses"]["204"] == {"description": "No Content"}
    assert [p["name"] for p in delete["parameters"]] == ["widget_id", "force"]
    listing = sample["paths"]["/v1/widgets"]["get"]
    assert listing["security"] == [{"bearerAuth": []}]
    assert "ADMIN" in listing["description"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params == {
        "page": {"type": "integer", "format": "int32"},
        "ids": {"type": "array", "items": {"type": "string"}},
        "color": {"$ref": "#/components/schemas/fingate.sample.v1.Color"},
    }


def test_sample_types(sample: dict[str, Any]) -> None:
    schemas = sample["components"]["schemas"]
    color = schemas["fingate.sample.v1.Color"]
    assert color["type"] == "string" and color["enum"] == ["COLOR_UNSPECIFIED", "COLOR_RED"]
    assert "`COLOR_RED`: Red." in color["description"]
    widget = schemas["fingate.sample.v1.Widget"]
    props = widget["properties"]
    assert props["count"] == {"type": "string", "format": "int64"}
    assert props["big"] == {"type": "string", "format": "uint64"}
    assert props["labels"] == {
        "type": "object",
        "additionalProperties": {"type": "integer", "format": "int32"},
    }
    assert props["colors"]["items"] == {"$ref": "#/components/schemas/fingate.sample.v1.Color"}
    assert props["limit"]["type"] == "integer" and props["limit"]["nullable"] is True
    assert "type" not in props["lastError"]  # any JSON value, null included
    assert props["blob"] == {"type": "string", "format": "byte"}
    assert "display_name" in props and "displayName" not in props
    assert props["meta"]["type"] == "object"
    assert "required" not in widget  # its fields carry no "Required." comment
