"""Field checks that collect every violation, then raise one InvalidInput."""

from __future__ import annotations

import datetime as dt
import re

from email_validator import EmailNotValidError, validate_email

from server.errors import FieldViolation, InvalidInput

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# E.164: a country code and subscriber number, 7 to 15 digits in all, after a plus sign.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


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
        """A syntactically valid address, lower-cased (no DNS lookup)."""
        if not value.strip():
            self.add(field, "is required")
            return ""
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError:
            self.add(field, "must be a valid email")
            return ""
        return checked.normalized.lower()

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
        if not dt.date(1900, 1, 1) <= date < today:
            self.add(field, "must be a past date after 1900-01-01")
            return None
        return date
