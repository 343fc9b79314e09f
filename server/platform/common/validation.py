"""What domains need of request input once the declared rules have held
(server/platform/contract/constraints.py): normal forms (email, phone), parsed dates, and Violations
for the rules only a domain can check (cross-field rules, rules that need data)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache

from email_validator import EmailNotValidError, validate_email
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from server.platform.errors import FieldViolation, InvalidInput

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# What the `phone` rule (fingate.common.v1.rules) allows between the digits.
_PHONE_PUNCTUATION = re.compile(r"[ ().-]")
# C0 controls and DEL, except tab, line feed and carriage return (multi-line notes). NUL above
# all: PostgreSQL text cannot hold it, and the driver fails the whole statement.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Raw bodies (webhooks) are bytes the route verifies as they are, not text.
_OPAQUE = frozenset({"google.api.HttpBody"})
# Every accepted calendar date lies in this range (the `date` rules of
# fingate.common.v1.rules): PostgreSQL's date and the server's arithmetic (a period's end, a
# year's last day) are defined well beyond it on both sides.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def normalize_email(value: str) -> str:
    """The form an address is stored and looked up in: email_validator's normalisation (Unicode
    NFC, IDNA domain), lower-cased; text it does not take for an address is only stripped and
    lower-cased. Sign-up stores this; sign-in, reset and invitations look up this, so every
    spelling of one address finds it. (Whether it is an address at all is the `email` rule's
    question, answered before any domain code runs.)"""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return value.strip().lower()


class Violations:
    """Collects field violations; `raise_if_any()` ends the check."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldViolation(field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)


def normalize_phone(value: str) -> str | None:
    """An E.164 number with the punctuation the `phone` rule allows dropped; None when empty."""
    return _PHONE_PUNCTUATION.sub("", value) or None


def parse_date(value: str) -> dt.date | None:
    """A `YYYY-MM-DD` calendar date, or None (empty or no date)."""
    if not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_date_or_time(value: str) -> dt.date | dt.datetime | None:
    """A `YYYY-MM-DD` date, or an ISO 8601 date-time made UTC when it has no offset; None when
    it is neither."""
    if len(value) == 10:
        return parse_date(value)
    if not _DATE.match(value[:10]):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def instant(raw: str, *, end: bool) -> dt.datetime | None:
    """A bound from `YYYY-MM-DD` or an ISO 8601 date-time (UTC when no offset is given).

    An end date covers its whole day, so it is returned as the next midnight (exclusive);
    an end date-time is the instant itself, made exclusive by the next microsecond."""
    value = parse_date_or_time(raw)
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        start = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        return start + dt.timedelta(days=1) if end else start
    return value + dt.timedelta(microseconds=1) if end else value


def text_violations(message: Message) -> list[FieldViolation]:
    """Every string in a request (nested, repeated and map values included) that holds a
    control character, named by its JSON path. One check for every RPC, run before any
    domain code (server/platform/interceptors/validation.py)."""
    return [
        FieldViolation(path, "must not contain control characters")
        for path in _texts_with_controls(message, "")
    ]


def _texts_with_controls(message: Message, prefix: str) -> Iterator[str]:
    # ListFields returns only populated fields (C code): an empty request costs nothing.
    for field, value in message.ListFields():
        kind = _kind(field)
        if kind is None:
            continue
        path = f"{prefix}{field.json_name}"
        if kind == "string":
            if _CONTROL.search(value):
                yield path
        elif kind == "strings":
            for index, item in enumerate(value):
                if _CONTROL.search(item):
                    yield f"{path}[{index}]"
        elif kind == "message":
            yield from _texts_with_controls(value, f"{path}.")
        elif kind == "messages":
            for index, item in enumerate(value):
                yield from _texts_with_controls(item, f"{path}[{index}].")
        else:  # a map: keys and values
            for key in value:
                if isinstance(key, str) and _CONTROL.search(key):
                    yield path
                item = value[key]
                if isinstance(item, str):
                    if _CONTROL.search(item):
                        yield f"{path}.{key}"
                elif isinstance(item, Message):
                    yield from _texts_with_controls(item, f"{path}.{key}.")


def carries_text(descriptor: Descriptor, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a message type can hold a string anywhere (nested, repeated, map): requests of
    a type that cannot need no text check."""
    for field in descriptor.fields:
        kind = _kind(field)
        if kind in ("string", "strings", "map"):
            return True
        nested = field.message_type
        if kind in ("message", "messages") and nested is not None:
            if nested.full_name not in seen and carries_text(nested, seen | {descriptor.full_name}):
                return True
    return False


@cache
def _kind(field: FieldDescriptor) -> str | None:
    """How to walk a field: string(s), message(s), map, or None (nothing textual)."""
    repeated = field.is_repeated
    if field.type == FieldDescriptor.TYPE_STRING:
        return "strings" if repeated else "string"
    if field.type != FieldDescriptor.TYPE_MESSAGE:
        return None
    descriptor: Descriptor | None = field.message_type
    if descriptor is None or descriptor.full_name in _OPAQUE:
        return None
    if descriptor.GetOptions().map_entry:
        return "map"
    return "messages" if repeated else "message"
