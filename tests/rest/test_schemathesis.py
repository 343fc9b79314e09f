"""schemathesis against /openapi.json through the test stack's Envoy (issue 10): generated
requests, valid and invalid, to every operation, as a user and as an admin. No answer may be a
5xx, and every answer must match the schema the document declares for it.

`make test` runs a bounded, deterministic pass (FUZZ_EXAMPLES per operation, 8 by default);
`make fuzz` a long randomised one (FUZZ_EXAMPLES=200, FUZZ_RANDOM=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VAR
from tests.factories.auth import sign_in, sign_up

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def _token(rest, admin_credentials, who: str) -> str:
    if who == "admin":
        body = sign_in(rest, admin_credentials["email"], admin_credentials["password"])
        return str(body["data"]["session"]["token"])
    return sign_up(rest).token


@pytest.mark.parametrize("who", ["user", "admin"])
def test_no_server_error_and_every_answer_matches_the_schema(stack, rest, admin_credentials, who):
    token = _token(rest, admin_credentials, who)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{stack.rest_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        # Envoy is the edge under test: its own 413/431 replies are part of the contract.
        "--suppress-health-check",
        "all",
    ]
    command += ["--generation-database", "none"] if RANDOM else ["--generation-deterministic"]
    # Its own working directory: schemathesis keeps a cache of findings in the current one.
    workdir = VAR / "schemathesis"
    workdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=workdir)
    # Headers are sanitised in the output (the bearer token never reaches a log).
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
