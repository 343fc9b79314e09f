"""The field constraints the contract declares, compiled once into plain checks.

Request fields declare their rules in protovalidate's standard vocabulary
(`[(buf.validate.field).string = {min_len: 1, max_len: 100}]`) and fingate's predefined rules
(protos/fingate/common/v1/rules.proto). protovalidate's Python runtime evaluates CEL at about
5 ms a message, more than a whole request costs; so this module reads the rules from the
descriptors at start-up and builds, per message type, a list of closures that do the same
checks in plain Python (well under a microsecond each). tests/contract/test_constraints.py
holds them against protovalidate itself as the oracle.

Only the rules the contract uses are compiled; a declared rule this module does not know is
a start-up error, never a silently skipped check. Messages are in the house wording
("must be at most 100 characters") and name fields by their JSON path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from fingate.common.v1 import rules_pb2
from server.platform.common.validation import (
    EARLIEST_DATE,
    LATEST_DATE,
    parse_date,
    parse_date_or_time,
)
from server.platform.errors import FieldViolation

# A check of one value: None when it holds, else the violation's message.
Check = Callable[[Any], str | None]

# The HTML standard's definition, which protovalidate's `string.email` uses.
_EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NOT_BLANK = re.compile(r"[^ \t\r\n]")
_SLUG = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*")
_PHONE = re.compile(r"[ ().-]*\+[ ().-]*[1-9](?:[ ().-]*[0-9]){6,14}[ ().-]*")
_NUMERIC_KINDS = (
    "int32",
    "int64",
    "uint32",
    "uint64",
    "sint32",
    "sint64",
    "fixed32",
    "fixed64",
    "sfixed32",
    "sfixed64",
    "double",
    "float",
)
_REQUIRED = "is required"


class UnsupportedRule(ValueError):
    """A declared rule the compiler does not implement: fix the compiler, not the contract."""


# --- the checks ------------------------------------------------------------------------------


def _min_len(n: int) -> Check:
    message = _REQUIRED if n == 1 else f"must be at least {n} characters"
    return lambda value: message if len(value) < n else None


def _max_len(n: int) -> Check:
    message = f"must be at most {n} characters"
    return lambda value: message if len(value) > n else None


# `(?i)^(A|B|C)$`: the house way to declare a choice of words in any letter case.
_CHOICE = re.compile(r"(?:\(\?i\))?\^\(([A-Za-z0-9_]+(?:\|[A-Za-z0-9_]+)+)\)\$")


def _pattern(pattern: str) -> Check:
    # RE2's `$` (protovalidate's engine) ends the text; Python's also matches before a final
    # line feed.
    compiled = re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)
    choice = _CHOICE.fullmatch(pattern)
    message = (
        f"must be one of {', '.join(choice[1].split('|'))}" if choice else "has an invalid format"
    )
    return lambda value: None if compiled.search(value) else message


def _one_of(allowed: Iterable[Any]) -> Check:
    options = tuple(allowed)
    message = f"must be one of {', '.join(str(o) for o in options)}"
    return lambda value: None if value in options else message


def _matches(expression: re.Pattern[str], message: str) -> Check:
    # Empty means absent: `required` or `min_len` say when it is not (protovalidate's
    # `email`/`uuid` refuse empty themselves: see _empty_refused).
    return lambda value: None if not value or expression.fullmatch(value) else message


def _empty_refused(value: str) -> str | None:
    return _REQUIRED if value == "" else None


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _date_within(
    earliest: Callable[[], dt.date], latest: Callable[[], dt.date], message: str
) -> Check:
    """A `YYYY-MM-DD` date (empty means absent) from earliest() to latest(), both inclusive and
    asked at each check: "today" moves."""

    def check(value: str) -> str | None:
        if not value:
            return None
        date = parse_date(value)
        if date is None:
            return "must be a date in YYYY-MM-DD format"
        return None if earliest() <= date <= latest() else message

    return check


_OUT_OF_RANGE = f"must be between {EARLIEST_DATE} and {LATEST_DATE}"
_date = _date_within(lambda: EARLIEST_DATE, lambda: LATEST_DATE, _OUT_OF_RANGE)
_past_date = _date_within(
    lambda: EARLIEST_DATE,
    lambda: _today() - dt.timedelta(days=1),
    f"must be a past date after {EARLIEST_DATE}",
)
_upcoming_date = _date_within(
    _today,
    lambda: LATEST_DATE,
    f"must be today or a later date before {LATEST_DATE + dt.timedelta(days=1)}",
)


def _date_or_time(value: str) -> str | None:
    if not value:
        return None
    parsed = parse_date_or_time(value)
    if parsed is None:
        return "must be an ISO 8601 date (YYYY-MM-DD) or date-time"
    day = parsed.astimezone(dt.UTC).date() if isinstance(parsed, dt.datetime) else parsed
    return None if EARLIEST_DATE <= day <= LATEST_DATE else _OUT_OF_RANGE


def _not_blank(value: str) -> str | None:
    return None if _NOT_BLANK.search(value) else _REQUIRED


_PREDEFINED_STRING: dict[FieldDescriptor, Check] = {
    rules_pb2.not_blank: _not_blank,
    rules_pb2.date: _date,
    rules_pb2.past_date: _past_date,
    rules_pb2.upcoming_date: _upcoming_date,
    rules_pb2.date_or_time: _date_or_time,
    rules_pb2.slug: lambda value: (
        None
        if 3 <= len(value) <= 60 and _SLUG.fullmatch(value)
        else "must be 3 to 60 lowercase letters, digits and single hyphens"
    ),
    rules_pb2.phone: _matches(
        _PHONE, "must be a phone number in international format (+1234567890)"
    ),
}


def _string_checks(rules: validate_pb2.StringRules) -> list[Check]:
    checks: list[Check] = []
    for descriptor, value in rules.ListFields():
        name = descriptor.name
        if descriptor.is_extension:
            if descriptor not in _PREDEFINED_STRING:
                raise UnsupportedRule(f"string.({descriptor.full_name})")
            if value:
                checks.append(_PREDEFINED_STRING[descriptor])
        elif name == "min_len":
            checks.append(_min_len(value))
        elif name == "max_len":
            checks.append(_max_len(value))
        elif name == "pattern":
            checks.append(_pattern(value))
        elif name == "in":
            checks.append(_one_of(value))
        elif name == "email" and value:
            checks += [_empty_refused, _matches(_EMAIL, "must be a valid email")]
        elif name == "uuid" and value:
            checks += [_empty_refused, _matches(_UUID, "must be a UUID")]
        elif name != "example":
            raise UnsupportedRule(f"string.{name}")
    return checks


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _range_checks(rules: Message) -> list[Check]:
    bounds = {d.name: v for d, v in rules.ListFields()}
    unknown = set(bounds) - {"gt", "gte", "lt", "lte", "in", "example", "finite"}
    if unknown:
        raise UnsupportedRule(", ".join(sorted(unknown)))
    checks: list[Check] = []
    low = bounds.get("gte", bounds.get("gt"))
    high = bounds.get("lte", bounds.get("lt"))
    if low is not None and high is not None and low > high:
        raise UnsupportedRule("an exclusive range (lower bound above the upper)")
    if "gte" in bounds and "lte" in bounds:
        message = f"must be between {_number(bounds['gte'])} and {_number(bounds['lte'])}"
    else:
        parts = []
        if "gt" in bounds:
            parts.append(f"greater than {_number(bounds['gt'])}")
        if "gte" in bounds:
            parts.append(f"at least {_number(bounds['gte'])}")
        if "lt" in bounds:
            parts.append(f"less than {_number(bounds['lt'])}")
        if "lte" in bounds:
            parts.append(f"at most {_number(bounds['lte'])}")
        message = "must be " + " and ".join(parts)
    gt, gte, lt, lte = (bounds.get(k) for k in ("gt", "gte", "lt", "lte"))

    def in_range(value: Any) -> str | None:
        if value != value:  # NaN is in no range
            return message
        if (
            (gt is not None and not value > gt)
            or (gte is not None and not value >= gte)
            or (lt is not None and not value < lt)
            or (lte is not None and not value <= lte)
        ):
            return message
        return None

    if gt is not None or gte is not None or lt is not None or lte is not None:
        checks.append(in_range)
    if bounds.get("finite"):
        checks.append(lambda v: None if v - v == 0 else "must be a finite number")
    if "in" in bounds:
        checks.append(_one_of(bounds["in"]))
    return checks


def _enum_values(enum: EnumDescriptor, numbers: Iterable[int]) -> Check:
    allowed = frozenset(numbers)
    message = f"must be one of {', '.join(v.name for v in enum.values if v.number in allowed)}"
    return lambda value: None if value in allowed else message


def _enum_checks(rules: validate_pb2.EnumRules, enum: EnumDescriptor | None) -> list[Check]:
    assert enum is not None
    defined = [v.number for v in enum.values]
    checks: list[Check] = []
    for descriptor, value in rules.ListFields():
        if descriptor.name == "defined_only" and value:
            checks.append(_enum_values(enum, defined))
        elif descriptor.name == "in":
            checks.append(_enum_values(enum, value))
        elif descriptor.name == "not_in":
            checks.append(_enum_values(enum, [n for n in defined if n not in value]))
        elif descriptor.name != "example":
            raise UnsupportedRule(f"enum.{descriptor.name}")
    return checks


def _value_checks(rules: validate_pb2.FieldRules, fd: FieldDescriptor) -> list[Check]:
    """The checks of one value (a scalar, or each item of a repeated field)."""
    kind = rules.WhichOneof("type")
    if kind is None:
        return []
    if kind == "string":
        return _string_checks(rules.string)
    if kind in _NUMERIC_KINDS:
        return _range_checks(getattr(rules, kind))
    if kind == "enum":
        return _enum_checks(rules.enum, fd.enum_type)
    raise UnsupportedRule(kind)


# --- the plans -------------------------------------------------------------------------------


@dataclass(slots=True)
class FieldPlan:
    """What to check on one field of a message."""

    descriptor: FieldDescriptor
    checks: list[Check] = field(default_factory=list)  # on the value, or on each item
    required: bool = False
    ignore_empty: bool = False
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False  # repeated scalars: no item twice
    nested: MessagePlan | None = None  # a message field's own plan


@dataclass(slots=True)
class MessagePlan:
    fields: list[FieldPlan] = field(default_factory=list)

    def violations(self, message: Message, prefix: str = "") -> Iterator[FieldViolation]:
        for plan in self.fields:
            yield from _field_violations(plan, message, prefix)


def _field_violations(plan: FieldPlan, message: Message, prefix: str) -> Iterator[FieldViolation]:
    fd = plan.descriptor
    path = prefix + fd.json_name
    value = getattr(message, fd.name)
    if fd.is_repeated:
        if not value and plan.required:
            yield FieldViolation(path, _REQUIRED)
            return
        if plan.min_items is not None and len(value) < plan.min_items:
            noun = "item" if plan.min_items == 1 else "items"
            yield FieldViolation(path, f"must have at least {plan.min_items} {noun}")
            return
        if plan.max_items is not None and len(value) > plan.max_items:
            yield FieldViolation(path, f"must have at most {plan.max_items} items")
        if plan.unique and len(set(value)) != len(value):
            yield FieldViolation(path, "must not repeat an item")
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if plan.nested is not None:
                yield from plan.nested.violations(item, item_path + ".")
            for check in plan.checks:
                if (problem := check(item)) is not None:
                    yield FieldViolation(item_path, problem)
                    break
        return
    if fd.has_presence and not message.HasField(fd.name):
        if plan.required:
            yield FieldViolation(path, _REQUIRED)
        return
    if plan.nested is not None:
        yield from plan.nested.violations(value, path + ".")
        return
    empty = value == fd.default_value
    if empty and plan.required:
        yield FieldViolation(path, _REQUIRED)
        return
    if empty and plan.ignore_empty:
        return
    for check in plan.checks:
        if (problem := check(value)) is not None:
            yield FieldViolation(path, problem)
            return  # the first broken rule says enough about one value


def _field_plan(fd: FieldDescriptor, seen: dict[str, MessagePlan]) -> FieldPlan | None:
    options = fd.GetOptions()
    declared = options.HasExtension(validate_pb2.field)
    rules = options.Extensions[validate_pb2.field]
    plan = FieldPlan(descriptor=fd)
    if declared:
        if rules.cel or rules.cel_expression:
            raise UnsupportedRule(f"{fd.full_name}: custom CEL (declare a predefined rule)")
        if rules.ignore == validate_pb2.IGNORE_ALWAYS:
            return None
        plan.required = rules.required
        plan.ignore_empty = rules.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE
        try:
            if rules.WhichOneof("type") == "repeated":
                repeated = rules.repeated
                if repeated.unique:
                    if fd.message_type is not None:
                        raise UnsupportedRule("repeated.unique on messages")
                    plan.unique = True
                if repeated.HasField("min_items"):
                    plan.min_items = repeated.min_items
                if repeated.HasField("max_items"):
                    plan.max_items = repeated.max_items
                plan.checks = _value_checks(repeated.items, fd)
            elif rules.WhichOneof("type") == "map":
                raise UnsupportedRule("map")
            else:
                plan.checks = _value_checks(rules, fd)
        except UnsupportedRule as error:
            raise UnsupportedRule(f"{fd.full_name}: {error}") from None
    nested_type = fd.message_type
    if nested_type is not None and not nested_type.GetOptions().map_entry:
        nested = message_plan(nested_type, seen)
        if nested.fields:
            plan.nested = nested
    if (
        plan.checks
        or plan.required
        or plan.nested
        or plan.min_items
        or plan.max_items
        or plan.unique
    ):
        return plan
    return None


def message_plan(descriptor: Descriptor, seen: dict[str, MessagePlan] | None = None) -> MessagePlan:
    """The compiled checks of a message type (and the messages it holds)."""
    seen = {} if seen is None else seen
    if descriptor.full_name in seen:
        return seen[descriptor.full_name]
    plan = MessagePlan()
    seen[descriptor.full_name] = plan  # before the fields: a recursive type ends here
    if descriptor.file.package.startswith("google."):
        return plan  # well-known and API types declare no fingate rules
    for fd in descriptor.fields:
        field_plan = _field_plan(fd, seen)
        if field_plan is not None:
            plan.fields.append(field_plan)
    return plan


class Constraints:
    """Request type → its compiled plan, built for every RPC when the server starts."""

    def __init__(self, request_types: Iterable[Descriptor]):
        seen: dict[str, MessagePlan] = {}
        self._plans = {d.full_name: message_plan(d, seen) for d in request_types}

    def declares(self, descriptor: Descriptor) -> bool:
        """Whether requests of this type have any declared rule to check."""
        plan = self._plans.get(descriptor.full_name)
        return plan is not None and bool(plan.fields)

    def violations(self, request: Message) -> list[FieldViolation]:
        plan = self._plans.get(request.DESCRIPTOR.full_name)
        if plan is None or not plan.fields:
            return []
        return list(plan.violations(request))
