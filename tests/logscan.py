"""Finds secrets in log files: the suite's own scanner of what every test stack wrote."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Shapes that are secret whatever their value: password hashes, signed tokens, sealed values.
SECRET_SHAPES = {
    "argon2 hash": re.compile(r"\$argon2(id|i|d)\$"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}"),
    "sealed value (Fernet)": re.compile(r"gAAAAA[A-Za-z0-9_-]{40,}"),
    "mailed link token": re.compile(r"[?&]token=[A-Za-z0-9_%-]{16,}"),
}


@dataclass(frozen=True)
class Leak:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def scan(paths: Iterable[Path], secrets: dict[str, str]) -> list[Leak]:
    """Every line of `paths` holding one of `secrets` (label → value) or a secret shape; the
    report names the label, never the value."""
    literal = {value: label for label, value in secrets.items() if len(value) >= 6}
    leaks = []
    for path in paths:
        text = path.read_text(errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for value, label in literal.items():
                if value in line:
                    leaks.append(Leak(path, number, label))
            for label, shape in SECRET_SHAPES.items():
                if shape.search(line):
                    leaks.append(Leak(path, number, label))
    return leaks
