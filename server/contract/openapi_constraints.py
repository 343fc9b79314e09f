"""Request constraints read from the contract's field comments, for /openapi.json.

The server validates in domain code; the proto comments state those rules in a fixed house
wording ("1 to 100", "(UUID)", "`YYYY-MM-DD`", "`A`, `B` or `C`"). Declaring them in the
OpenAPI document lets clients and fuzzers see the real contract instead of "any string".
Only request-only messages and parameters get them: a response may legitimately carry values
a request may not (other letter case, provider categories).

Issue 11 replaces this with protovalidate rules declared in the protos; until then the
wording is the declaration, and tests/contract/test_openapi.py checks the result.
"""

from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]

_UUID = re.compile(r"\(UUID\)(?!,? or)")
_RANGE = re.compile(r"\b(\d+) to (\d+)\b(?! characters)")
_LENGTH = re.compile(r"\b(\d+) to (\d+) characters\b", re.I)
_MAX_LENGTH = re.compile(r"\bat most (\d+) characters\b", re.I)
_MIN_LENGTH = re.compile(r"\bat least (\d+)(?: and at most \d+)? characters\b", re.I)
_FIRST_PAGE = re.compile(r"\b1-based\b")
_TOKENS = re.compile(r"`([^`]+)`")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def constrain(schema: Schema, doc: str) -> Schema:
    """`schema` (a string, integer or number field's) with what `doc` states about it."""
    kind = schema.get("type")
    if kind == "string":
        if _UUID.search(doc):
            schema["format"] = "uuid"
        elif "`YYYY-MM-DD`" in doc and "RFC 3339" not in doc and "date-time" not in doc:
            schema["format"] = "date"
        elif "email address" in doc or "valid email" in doc:
            schema["format"] = "email"
        if match := _LENGTH.search(doc):
            schema["minLength"], schema["maxLength"] = int(match[1]), int(match[2])
        else:
            if match := _MIN_LENGTH.search(doc):
                schema["minLength"] = int(match[1])
            if match := _MAX_LENGTH.search(doc):
                schema["maxLength"] = int(match[1])
        tokens = _TOKENS.findall(doc)
        if (
            len(tokens) >= 2
            and "e.g." not in doc
            and "YYYY" not in doc
            and all(_IDENTIFIER.match(t) for t in tokens)
        ):
            schema["enum"] = list(dict.fromkeys(tokens))
    elif kind == "integer":
        if match := _RANGE.search(doc):
            schema["minimum"], schema["maximum"] = int(match[1]), int(match[2])
        elif _FIRST_PAGE.search(doc):
            schema["minimum"] = 1
    return schema
