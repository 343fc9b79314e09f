"""The server refuses to start on settings that must not reach production."""

import os
import subprocess
import sys


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server"],
        env={**os.environ, "GRPC_PORT": "25099", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_weak_jwt_secret_outside_development_stops_the_start():
    result = _start(APP_ENV="production", JWT_SECRET="tiny-s3cr3t", PUBLIC_BASE_URL="https://x.io")
    assert result.returncode == 2
    assert "JWT_SECRET must be at least 32 random bytes" in result.stderr
    assert "tiny-s3cr3t" not in result.stderr  # the secret itself is never printed


def test_missing_jwt_secret_in_test_mode_stops_the_start():
    env = {k: v for k, v in os.environ.items() if k != "JWT_SECRET"}
    result = subprocess.run(
        [sys.executable, "-m", "server"],
        env={**env, "APP_ENV": "test", "GRPC_PORT": "25099"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "JWT_SECRET" in result.stderr
