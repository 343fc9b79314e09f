"""Per-account limits of sign-in and password reset (issue 10): counted per normalised email,
whatever the client address, through the same rate-limit layer as every other limit.

Wrong passwords run on the rate-limit stack (3 per hour per account there); reset mails on the
session stack (the default, 3 per address per hour), whose worker sends them."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import text

from tests.factories.auth import PASSWORD, sign_in, sign_up, unique_email, wait_for_mail
from tests.rest.client import assert_mappr_error, call
from tests.rest.test_rate_limit import client_from

# Trusted addresses (127.0.0.128/25 on the rate-limit stack): the per-address AUTH limit does
# not apply there, so what is seen is the per-account limit alone.
TRUSTED = ["127.0.0.150", "127.0.0.151", "127.0.0.152", "127.0.0.153", "127.0.0.154"]


def _attempt(stack, address: str, email: str, password: str):
    with client_from(stack, address) as client:
        return client.post("/api/v1/auth/sign-in", json={"email": email, "password": password})


def test_wrong_passwords_from_many_addresses_close_the_account_for_a_while(rate_stack, rest):
    victim, bystander = sign_up(rest), sign_up(rest)
    for address in TRUSTED[:3]:
        assert _attempt(rate_stack, address, victim.email, "Wrong-guess-123").status_code == 401
    # Past the limit even the right password waits, from any address, with Retry-After.
    for address in TRUSTED[3:]:
        response = _attempt(rate_stack, address, victim.email, PASSWORD)
        assert response.status_code == 429, response.text
        assert_mappr_error(response.json(), code="RATE_LIMIT_EXCEEDED", status=429, details=True)
        assert 1 <= int(response.headers["retry-after"]) <= 3600
    # Another spelling of the same address is the same account.
    shouted = f"  {victim.email.upper()} "
    assert _attempt(rate_stack, TRUSTED[0], shouted, PASSWORD).status_code == 429
    # Other accounts are untouched.
    assert _attempt(rate_stack, TRUSTED[0], bystander.email, PASSWORD).status_code == 200


def test_a_right_password_does_not_count(rate_stack, rest):
    account = sign_up(rest)
    for _ in range(4):
        assert _attempt(rate_stack, TRUSTED[0], account.email, PASSWORD).status_code == 200


def test_sign_in_takes_the_address_in_the_form_sign_up_stored(rest):
    local = f"John.Doe-{uuid.uuid4().hex[:8]}"
    account = sign_up(rest, email=f"{local}@Example.COM")
    assert account.user["email"] == f"{local.lower()}@example.com"
    for spelling in (f" {local.upper()}@EXAMPLE.COM ", f"{local}@example.com"):
        sign_in(rest, spelling, PASSWORD)


async def _reset_jobs(db, email: str) -> int:
    async with db.read() as s:
        return await s.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE task_name = 'auth.send_password_reset' AND args->>'email' = :email"
            ),
            {"email": email},
        )


async def test_at_most_three_reset_mails_per_address_per_hour(rest, db, mail_dir):
    account = sign_up(rest)
    answers = [
        call(rest, "POST", "/api/v1/auth/forgot-password", 200, json={"email": account.email})
        for _ in range(5)
    ]
    # The extra requests answer the same 200 and queue nothing.
    assert all(a == answers[0] for a in answers)
    assert await _reset_jobs(db, account.email) == 3
    assert wait_for_mail(mail_dir, to=account.email, subject="Reset your password")


async def test_forgot_password_does_the_same_work_for_unknown_addresses(rest, db):
    known, unknown = sign_up(rest), unique_email()
    for email in (known.email, unknown):
        call(rest, "POST", "/api/v1/auth/forgot-password", 200, json={"email": email})
    # Both requests did one thing: queue one job; the worker looks the address up.
    assert await _reset_jobs(db, known.email) == 1
    assert await _reset_jobs(db, unknown) == 1


async def test_a_delivered_mail_keeps_no_body(rest, db, mail_dir):
    account = sign_up(rest)
    wait_for_mail(mail_dir, to=account.email, subject="Verify your")
    query = text(
        "SELECT body, sent_at FROM mail_outbox WHERE recipient = :to "
        "AND subject LIKE 'Verify your%'"
    )
    # The sink has the mail; the worker marks the row sent when its transaction commits.
    deadline = time.monotonic() + 15
    while True:
        async with db.read() as s:
            rows = (await s.execute(query, {"to": account.email})).all()
        if rows and all(sent is not None for _, sent in rows):
            break
        assert time.monotonic() < deadline, rows
        await asyncio.sleep(0.1)
    assert all(body == "" for body, _ in rows)
