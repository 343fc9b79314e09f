"""`python -m tests.contract.extract_examples`: writes documented_examples.json, the success
example each seed document gives for each of its routes (../shared/routes.tsv).

A route's section runs from its request line (`GET /api/v1/…`, `### GET /accounts`,
`## POST …/:connectionId/reconnect`) to the next request line; its example is the first JSON
block there that follows a success-response heading. Run it again when the documents change;
tests/contract/test_documented_keys.py reads the result.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
OUT = Path(__file__).with_name("documented_examples.json")
_VERB = r"(?:GET|POST|PUT|PATCH|DELETE)"
# A request line: the verb, then a path (absolute, or relative to a seed's /api/v1 base).
_REQUEST_LINE = re.compile(rf"^(?:#+\s+|`)?{_VERB}\s+\S*/\S*", re.M)
_SUCCESS = re.compile(
    r"(?i)(success\s+)?response[^\n]*\b(200|201|OK|Created)\b|response\s*\(success"
)


def _path_pattern(path: str) -> re.Pattern[str]:
    """The route's path as a document may write it: `{id}`, `:id` or an example value, with or
    without the /api/v1 base, optionally after a base URL."""
    relative = path.removeprefix("/api/v1")
    forms = [path] if relative == path else [path, relative]
    alternatives = []
    for form in forms:
        escaped = re.escape(form)
        alternatives.append(re.sub(r"\\\{[^}]*\\\}", r"[^\\s/?`]+", escaped))
    return re.compile(
        rf"^(?:#+\s+|`)?(?P<verb>{_VERB})\s+(?:\S*?)(?:{'|'.join(alternatives)})(?:[?\s`]|$)",
        re.M,
    )


def _example(text: str, method: str, path: str) -> object | None:
    own = _path_pattern(path)
    for match in own.finditer(text):
        if match.group("verb") != method:
            continue
        following = text[match.end() :]
        # The section ends at another route's request line (its own example request, with a
        # concrete id, may repeat inside it).
        end = next(
            (
                line.start()
                for line in _REQUEST_LINE.finditer(following)
                if not own.match(following, line.start())
            ),
            len(following),
        )
        section = following[:end]
        for block in re.finditer(r"```(?:json|typescript)\n(.*?)```", section, re.S):
            if not _SUCCESS.search(section[max(0, block.start() - 200) : block.start()]):
                continue
            try:
                return json.loads(block.group(1))
            except json.JSONDecodeError:
                continue
    return None


def main() -> None:
    examples: dict[str, object] = {}
    with (SHARED / "routes.tsv").open() as routes:
        for row in csv.DictReader(routes, delimiter="\t"):
            text = (SHARED / "seeds" / row["seed"]).read_text()
            key = f"{row['method']} {row['path']}"
            examples[key] = _example(text, row["method"], row["path"])
    OUT.write_text(json.dumps(examples, indent=1, sort_keys=True) + "\n")
    found = sum(v is not None for v in examples.values())
    print(f"{found} of {len(examples)} routes have a documented success example -> {OUT}")


if __name__ == "__main__":
    main()
