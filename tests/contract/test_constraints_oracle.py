"""The compiled field rules agree with protovalidate, the reference runtime of the rules the
contract declares.

For every request type the server serves and every field with a declared rule (nested and
repeated ones included), each candidate value below is set alone on an otherwise empty
request; both checkers must name the same fields. protovalidate evaluates CEL at milliseconds
a message, which is why the server compiles its own checks
(server/platform/contract/constraints.py); here it is the oracle.

The candidates avoid three cases the CEL forms of fingate's predefined rules leave to the
server's stricter check, as rules.proto says: February 29 of a common year, date-times with an
impossible time of day, and date-times whose offset moves the UTC day across a bound.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator

import protovalidate
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from server.app import SERVICE_MODULES
from server.platform.contract.constraints import Constraints, FieldPlan, MessagePlan, message_plan
from server.platform.contract.registry import Registry

REQUESTS = sorted(
    {s.request.full_name: s.request for s in Registry.from_modules(SERVICE_MODULES).specs()
     if s.request is not None}.items()
)  # fmt: skip
CHECKS = Constraints(d for _, d in REQUESTS)

STRINGS = [
    "", " ", "\t", "a", "A b", "abc", "x" * 7, "x" * 8, "x" * 60, "x" * 61, "x" * 100,
    "x" * 101, "x" * 128, "x" * 129, "x" * 200, "x" * 201, "x" * 254, "x" * 255, "x" * 512,
    "x" * 513,
    # emails
    "ada@example.com", "user.name+tag@example.co.uk", "plain", "a@", "@b.co", "a@b", "a b@c.co",
    "zoë@example.com", f"{'a' * 245}@example.com",
    # uuids
    str(uuid.uuid4()), str(uuid.uuid4()).upper(), "not-a-uuid", str(uuid.uuid4())[:-1],
    # dates and date-times
    "2020-02-28", "2024-02-29", "1899-12-31", "1900-01-01", "2999-12-31", "3000-01-01",
    "9999-12-31", "0001-01-01", "2020-13-01", "2020-04-31", "2020-00-10", "20200101",
    "2020-1-01", "2020-01-01T10:00:00Z", "2020-01-01T10:00:00+02:00", "2020-01-01T10:00",
    "2020-01-01T10:00:00.123456Z", "2020-01-01 10:00:00", "2999-12-31T12:00:00Z", "tomorrow",
    "2099-06-01",
    # phones
    "+15551234567", "+1 (555) 123-4567", "+1.555.123.4567", "5551234567", "+0123456789", "+1",
    "+1234567890123456", "+123456", "+1234567",
    # slugs
    "my-company", "My-Company", "ab", "a--b", "-abc", "abc-",
    # choices in any letter case, and near misses
    "ADMIN", "admin", "Pro", "monthly", "CUSTOM", "last_30_days", "LAST_7_DAYS", "ytd",
    "checking", "CREDIT_CARD", "on_track", "EDITOR", "viewer", "DISCONNECTED", "ALL",
    "ADMIN\n", " ADMIN", "GOLD", "weekly",
]  # fmt: skip
INTEGERS = [0, 1, -1, 2, 10, 99, 100, 101, 999, 1000, 1001, 2**31 - 1, -(2**31)]
DOUBLES = [0.0, 0.01, -0.01, 1.0, 999999999999.99, 1e12, 1e15, -5.0, math.nan, math.inf]
REPEATED_SIZES = [0, 1, 2, 10, 11, 100, 101]


def _declared(fd: FieldDescriptor) -> bool:
    from buf.validate import validate_pb2

    return fd.GetOptions().HasExtension(validate_pb2.field)


def _cases(
    descriptor: Descriptor, plan: MessagePlan, prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], FieldPlan]]:
    for field_plan in plan.fields:
        path = (*prefix, field_plan.descriptor.name)
        if _declared(field_plan.descriptor):
            yield path, field_plan
        if field_plan.nested is not None and not field_plan.descriptor.is_repeated:
            yield from _cases(field_plan.descriptor.message_type, field_plan.nested, path)


def _values(fd: FieldDescriptor) -> list[object]:
    if fd.is_repeated:
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            return [("messages", n) for n in REPEATED_SIZES]
        return [("strings", n) for n in REPEATED_SIZES] + [("strings", ["a", ""])]
    if fd.type == FieldDescriptor.TYPE_STRING:
        return list(STRINGS)
    if fd.type == FieldDescriptor.TYPE_DOUBLE:
        return list(DOUBLES)
    if fd.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64):
        return list(INTEGERS)
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        return ["present", "absent"]
    raise AssertionError(f"no candidates for {fd.full_name}")


def _build(descriptor: Descriptor, path: tuple[str, ...], value: object) -> Message:
    from google.protobuf import message_factory

    request = message_factory.GetMessageClass(descriptor)()
    target = request
    for name in path[:-1]:
        target = getattr(target, name)
    name = path[-1]
    fd = target.DESCRIPTOR.fields_by_name[name]
    if isinstance(value, tuple) and value[0] == "messages":
        for _ in range(value[1]):
            getattr(target, name).add()
    elif isinstance(value, tuple) and value[0] == "strings":
        items = value[1] if isinstance(value[1], list) else ["acc"] * value[1]
        getattr(target, name).extend(items)
    elif value == "present" and fd.type == FieldDescriptor.TYPE_MESSAGE:
        getattr(target, name).SetInParent()
    elif value == "absent":
        pass
    else:
        setattr(target, name, value)
    return request


def _oracle_paths(request: Message) -> set[str]:
    """protovalidate's violations, named by JSON path as the server names them."""
    paths = set()
    for violation in protovalidate.collect_violations(request):
        descriptor, parts = request.DESCRIPTOR, []
        for element in violation.proto.field.elements:
            fd = descriptor.fields_by_name[element.field_name]
            part = fd.json_name
            if element.WhichOneof("subscript") == "index":
                part += f"[{element.index}]"
            parts.append(part)
            descriptor = fd.message_type
        paths.add(".".join(parts))
    return paths


CASES = [
    pytest.param(descriptor, path, id=f"{name.rsplit('.', 1)[-1]}.{'.'.join(path)}")
    for name, descriptor in REQUESTS
    for path, _ in _cases(descriptor, message_plan(descriptor), ())
]


def test_some_fields_declare_rules():
    assert len(CASES) >= 40


@pytest.mark.parametrize(("descriptor", "path"), CASES)
def test_compiled_rules_agree_with_protovalidate(descriptor, path):
    target = descriptor
    for name in path[:-1]:
        target = target.fields_by_name[name].message_type
    fd = target.fields_by_name[path[-1]]
    disagreements = []
    for value in _values(fd):
        request = _build(descriptor, path, value)
        ours = {v.field for v in CHECKS.violations(request)}
        oracle = _oracle_paths(request)
        if ours != oracle:
            disagreements.append(
                (value if len(repr(value)) < 40 else repr(value)[:40], ours, oracle)
            )
    assert disagreements == []
