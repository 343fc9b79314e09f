"""The contract binds every route of the finished issues, and none twice."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT.parent / "shared" / "tools" / "route-coverage"

FOUNDATION = [
    "POST /api/v1/auth/sign-up",
    "POST /api/v1/auth/sign-in",
    "GET /api/v1/auth/me",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/sign-out",
    "GET /api/v1/auth/verify-email",
    "POST /api/v1/auth/forgot-password",
    "POST /api/v1/auth/reset-password",
    "GET /health",
    "GET /docs",
]


def test_route_coverage_binds_the_foundation_routes_once():
    out = subprocess.run(
        [sys.executable, str(TOOL), "protos"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "bound twice" not in out
    missing = {" ".join(line.split()[1:3]) for line in out.splitlines() if "missing" in line}
    assert [route for route in FOUNDATION if route in missing] == []
