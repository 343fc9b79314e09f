"""The declared field rules (protovalidate's vocabulary and fingate's predefined rules), as
JSON Schema keywords in /openapi.json: clients and fuzzers see the contract the server enforces
(server/platform/contract/constraints.py) instead of "any string".

OpenAPI 3.0 patterns are ECMAScript regular expressions, which have no inline `(?i)`: a choice
of words in any letter case is published as the `enum` of its documented spelling.
"""

from __future__ import annotations

import re
from typing import Any

from buf.validate import validate_pb2
from google.protobuf import descriptor_pb2 as pb

from fingate.common.v1 import rules_pb2

Schema = dict[str, Any]

_CHOICE = re.compile(r"(?:\(\?i\))?\^\(([A-Za-z0-9_]+(?:\|[A-Za-z0-9_]+)+)\)\$")
_NUMBERS = ("int32", "int64", "uint32", "uint64", "sint32", "sint64", "double", "float")


def declared_rules(fld: pb.FieldDescriptorProto) -> validate_pb2.FieldRules | None:
    """The field's `(buf.validate.field)` option, None when it declares none."""
    if not fld.options.HasExtension(validate_pb2.field):
        return None
    return fld.options.Extensions[validate_pb2.field]


def is_declared_required(rules: validate_pb2.FieldRules | None) -> bool:
    """Whether the rules refuse an absent or empty value."""
    if rules is None or rules.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE:
        return False
    if rules.required:
        return True
    text = rules.string
    return rules.WhichOneof("type") == "string" and (
        text.min_len > 0 or text.email or text.uuid or text.Extensions[rules_pb2.not_blank]
    )


def constrain(schema: Schema, rules: validate_pb2.FieldRules | None) -> Schema:
    """`schema` (a field's) with the keywords its declared rules state."""
    if rules is None:
        return schema
    kind = rules.WhichOneof("type")
    if kind == "repeated":
        repeated = rules.repeated
        if repeated.HasField("min_items"):
            schema["minItems"] = repeated.min_items
        if repeated.HasField("max_items"):
            schema["maxItems"] = repeated.max_items
        if "items" in schema and repeated.HasField("items"):
            constrain(schema["items"], repeated.items)
    elif kind == "string":
        _string(schema, rules.string)
    elif kind in _NUMBERS:
        _number(schema, getattr(rules, kind))
    return schema


def _string(schema: Schema, rules: validate_pb2.StringRules) -> None:
    if rules.HasField("min_len"):
        schema["minLength"] = rules.min_len
    if rules.HasField("max_len"):
        schema["maxLength"] = rules.max_len
    if rules.email:
        schema["format"] = "email"
    if rules.uuid:
        schema["format"] = "uuid"
    if rules.HasField("pattern"):
        choice = _CHOICE.fullmatch(rules.pattern)
        if choice:
            schema["enum"] = choice[1].split("|")
        else:
            schema["pattern"] = rules.pattern
    if rules.Extensions[rules_pb2.not_blank]:
        schema.setdefault("minLength", 1)
        schema["pattern"] = r"\S"
    if any(
        rules.Extensions[r] for r in (rules_pb2.date, rules_pb2.past_date, rules_pb2.upcoming_date)
    ):
        schema["format"] = "date"
    if rules.Extensions[rules_pb2.phone]:
        schema["pattern"] = r"^[ ().-]*\+[ ().-]*[1-9]([ ().-]*[0-9]){6,14}[ ().-]*$"
    if rules.Extensions[rules_pb2.slug]:
        schema.update(minLength=3, maxLength=60, pattern=r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$")


def _number(schema: Schema, rules: Any) -> None:
    if rules.HasField("gte"):
        schema["minimum"] = rules.gte
    elif rules.HasField("gt"):
        schema.update(minimum=rules.gt, exclusiveMinimum=True)
    if rules.HasField("lte"):
        schema["maximum"] = rules.lte
    elif rules.HasField("lt"):
        schema.update(maximum=rules.lt, exclusiveMaximum=True)
