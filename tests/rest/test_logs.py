"""No secret reaches a log: passwords, tokens and mailed links stay out of server and Envoy logs."""

import json
import time

from tests.factories.auth import sign_up, token_from_mail, wait_for_mail
from tests.rest.client import call


def _logs(stack) -> str:
    return "".join(p.read_text(errors="replace") for p in stack.log_dir.glob("*.log"))


def test_secrets_stay_out_of_the_logs(rest, stack, mail_dir):
    account = sign_up(rest)
    verify = token_from_mail(wait_for_mail(mail_dir, to=account.email, subject="Verify your"))
    call(rest, "GET", "/api/v1/auth/verify-email", 200, params={"token": verify})
    refreshed = call(
        rest, "POST", "/api/v1/auth/refresh", 200, json={"refreshToken": account.refresh_token}
    )["data"]
    call(
        rest,
        "POST",
        "/api/v1/auth/sign-in",
        401,
        json={"email": account.email, "password": "a-wrong-Password-42"},
    )

    deadline = time.monotonic() + 10  # Envoy flushes its access log every 500 ms
    while "/api/v1/auth/verify-email" not in _logs(stack) and time.monotonic() < deadline:
        time.sleep(0.2)
    logs = _logs(stack)
    assert "/api/v1/auth/verify-email" in logs
    for secret in (
        account.password,
        "a-wrong-Password-42",
        verify,
        account.token,
        account.refresh_token,
        refreshed["refreshToken"],
        refreshed["token"],
    ):
        assert secret not in logs


def test_server_logs_are_json_lines_carrying_the_request_id(rest, stack):
    response = rest.get("/api/v1/auth/me")  # 401: still one log line for the call
    rid = response.headers["x-request-id"]
    deadline = time.monotonic() + 10
    while rid not in stack.server_log() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = stack.server_log().splitlines()
    # grpc C-core may print its own plain lines to stderr; ours are JSON objects.
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    mine = [e for e in entries if e.get("request_id") == rid]
    assert mine and mine[-1]["method"] == "/fingate.auth.v1.AuthService/GetCurrentUser"
    assert mine[-1]["code"] == "UNAUTHENTICATED" and mine[-1]["level"] == "info"
