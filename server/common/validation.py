"""Field checks that collect every violation, then raise one InvalidInput."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache

from email_validator import EmailNotValidError, validate_email
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from server.errors import FieldViolation, InvalidInput

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# E.164: a country code and subscriber number, 7 to 15 digits in all, after a plus sign.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")
# C0 controls and DEL, except tab, line feed and carriage return (multi-line notes). NUL above
# all: PostgreSQL text cannot hold it, and the driver fails the whole statement.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Raw bodies (webhooks) are bytes the route verifies as they are, not text.
_OPAQUE = frozenset({"google.api.HttpBody"})
# Every accepted calendar date lies in this range: PostgreSQL's date and the server's
# arithmetic (a period's end, a year's last day) are defined well beyond it on both sides.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def normalize_email(value: str) -> str | None:
    """The form an address is stored and looked up in (email_validator's normalisation: Unicode
    NFC, IDNA domain, then lower-cased), or None when it is no address. Sign-up stores this;
    sign-in and password reset look up this, so every spelling of one address finds it."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


class Violations:
    """Collects field violations; `raise_if_any()` ends the check."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldViolation(field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)

    def required(self, field: str, value: str, *, max_len: int) -> str:
        """A non-blank string of at most max_len characters, stripped."""
        value = value.strip()
        if not value:
            self.add(field, "is required")
        elif len(value) > max_len:
            self.add(field, f"must be at most {max_len} characters")
        return value

    def email(self, field: str, value: str) -> str:
        """A syntactically valid address, normalised (normalize_email; no DNS lookup)."""
        if not value.strip():
            self.add(field, "is required")
            return ""
        normalized = normalize_email(value)
        if normalized is None:
            self.add(field, "must be a valid email")
            return ""
        return normalized

    def password(self, field: str, value: str) -> str:
        """8 to 128 characters; longer inputs only burn hashing time."""
        if len(value) < 8:
            self.add(field, "must be at least 8 characters")
        elif len(value) > 128:
            self.add(field, "must be at most 128 characters")
        return value

    def phone(self, field: str, value: str) -> str | None:
        """An optional E.164 number (`+1234567890`); spaces, dashes, dots and brackets dropped."""
        if not value.strip():
            return None
        number = _PHONE_PUNCTUATION.sub("", value)
        if not _E164.match(number):
            self.add(field, "must be a phone number in international format (+1234567890)")
            return None
        return number

    def date(self, field: str, value: str) -> dt.date | None:
        """An optional YYYY-MM-DD date between EARLIEST_DATE and LATEST_DATE."""
        text = value.strip()
        if not text:
            return None
        try:
            if not _DATE.match(text):
                raise ValueError
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            self.add(field, "must be a date in YYYY-MM-DD format")
            return None
        return calendar_date(self, field, parsed)

    def date_or_time(self, field: str, value: str) -> dt.date | dt.datetime | None:
        """An optional YYYY-MM-DD date, or an ISO 8601 date-time (UTC when it has no offset),
        whose day lies between EARLIEST_DATE and LATEST_DATE."""
        text = value.strip()
        if not text:
            return None
        if len(text) == 10:
            return self.date(field, text)
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            self.add(field, "must be an ISO 8601 date (YYYY-MM-DD) or date-time")
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        if calendar_date(self, field, moment.astimezone(dt.UTC).date()) is None:
            return None
        return moment

    def past_date(self, field: str, value: str, *, today: dt.date) -> dt.date | None:
        """An optional YYYY-MM-DD date between 1900-01-01 and yesterday."""
        if not value.strip():
            return None
        try:
            if not _DATE.match(value.strip()):
                raise ValueError
            date = dt.date.fromisoformat(value.strip())
        except ValueError:
            self.add(field, "must be a date in YYYY-MM-DD format")
            return None
        if not EARLIEST_DATE <= date < today:
            self.add(field, f"must be a past date after {EARLIEST_DATE}")
            return None
        return date


def text_violations(message: Message) -> list[FieldViolation]:
    """Every string in a request (nested, repeated and map values included) that holds a
    control character, named by its JSON path. One check for every RPC, run before any
    domain code (server/interceptors/validation.py)."""
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


def calendar_date(violations: Violations, field: str, date: dt.date) -> dt.date | None:
    """`date` when it lies between EARLIEST_DATE and LATEST_DATE, else a violation and None."""
    if EARLIEST_DATE <= date <= LATEST_DATE:
        return date
    violations.add(field, f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return None
