"""Seed 001 routes 6–7: payments with fallback against the sandbox's ACH and SWIFT rails, and
their status. Every path of the fallback is driven by the rails' own knobs."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import text

from tests.rest.client import UUID, assert_mappr_error, call
from tests.rest.gateway.conftest import register

PAYMENT_KEYS = {"success", "transaction_id", "integration_used", "payment_request"}


def payment(from_account: str, **override):
    return {
        "amount": 125.5,
        "currency": "USD",
        "from_account": from_account,
        "to_account": "acct_to_2",
        "description": "Invoice 42",
        **override,
    }


def pay(rest, headers, body, status=201, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return call(
        rest, "POST", "/api/v1/banking/payments", status, json=body, headers={**headers, **extra}
    )


async def rail_payments(db, payment_id: str):
    async with db.transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT integration_name, outcome FROM gateway_payment_attempts"
                    " WHERE payment_id = :p ORDER BY created_at"
                ),
                {"p": uuid.UUID(payment_id)},
            )
        ).all()


def recorded(knobs, rail: str) -> int:
    return knobs.rails(rail)["payments"]["count"]


@pytest.fixture
def rails_reset(knobs):
    yield
    for rail in ("ach", "swift"):
        knobs.rails(rail, reset=True)


async def test_documented_201_through_the_first_preference(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    ach = register(rest, service.headers, stack, "ACH")
    body = pay(
        rest,
        service.headers,
        payment(ach_account, reference_id=f"ref-{uuid.uuid4()}", preferred_integrations=[ach]),
    )
    assert set(body) == PAYMENT_KEYS and body["success"] is True
    assert UUID.match(body["transaction_id"]) and body["integration_used"] == ach
    request = body["payment_request"]
    assert set(request) == {
        "amount",
        "currency",
        "from_account",
        "to_account",
        "description",
        "reference_id",
    }
    assert (request["amount"], request["currency"]) == (125.5, "USD")
    without_reference = pay(
        rest, service.headers, payment(ach_account, preferred_integrations=[ach])
    )
    assert "reference_id" not in without_reference["payment_request"]


async def test_first_rail_refuses__the_second_is_used_once(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    first = register(rest, service.headers, stack, "ACH")
    second = register(rest, service.headers, stack, "ACH")
    before = recorded(knobs, "ach")
    knobs.rails("ach", refuse_next=1)
    body = pay(rest, service.headers, payment(ach_account, preferred_integrations=[first, second]))
    assert body["integration_used"] == second
    assert await rail_payments(db, body["transaction_id"]) == [
        (first, "NOT_EXECUTED"),
        (second, "SUBMITTED"),
    ]
    assert recorded(knobs, "ach") - before == 1


async def test_a_5xx_before_submission_is_resolved_then_falls_back(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    first, second = (
        register(rest, service.headers, stack, "ACH"),
        register(rest, service.headers, stack, "ACH"),
    )
    before = recorded(knobs, "ach")
    knobs.rails("ach", error_before_submit=1)
    body = pay(rest, service.headers, payment(ach_account, preferred_integrations=[first, second]))
    assert body["integration_used"] == second
    assert [o for _, o in await rail_payments(db, body["transaction_id"])] == [
        "NOT_EXECUTED",
        "SUBMITTED",
    ]
    assert recorded(knobs, "ach") - before == 1


async def test_a_timeout_after_submission_never_tries_a_second_rail(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    first, second = (
        register(rest, service.headers, stack, "ACH"),
        register(rest, service.headers, stack, "SWIFT"),
    )
    ach, swift = recorded(knobs, "ach"), recorded(knobs, "swift")
    knobs.rails("ach", timeout_after_submit=1, stall_ms=4500)
    body = pay(rest, service.headers, payment(ach_account, preferred_integrations=[first, second]))
    # The first rail had it: its status answered, and the second was never asked.
    assert body["integration_used"] == first
    assert await rail_payments(db, body["transaction_id"]) == [(first, "SUBMITTED")]
    assert (recorded(knobs, "ach") - ach, recorded(knobs, "swift") - swift) == (1, 0)


async def test_an_unresolvable_outcome_stays_pending_with_that_rail(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    first, second = (
        register(rest, service.headers, stack, "ACH"),
        register(rest, service.headers, stack, "SWIFT"),
    )
    swift = recorded(knobs, "swift")
    knobs.rails("ach", error_after_submit=1, status_errors=1000)
    body = pay(rest, service.headers, payment(ach_account, preferred_integrations=[first, second]))
    assert body["integration_used"] == first
    assert await rail_payments(db, body["transaction_id"]) == [(first, "UNRESOLVED")]
    assert recorded(knobs, "swift") == swift
    status = call(
        rest,
        "POST",
        "/api/v1/banking/payments/status",
        200,
        json={"transaction_mappings": {first: [body["transaction_id"]]}},
        headers=service.headers,
    )
    assert status == {"success": True, "payment_status": {first: "PENDING"}}


async def test_every_rail_failing_is_400_with_each_reason(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    first, second = (
        register(rest, service.headers, stack, "ACH"),
        register(rest, service.headers, stack, "ACH"),
    )
    knobs.rails("ach", refuse_next=2)
    answer = pay(
        rest,
        service.headers,
        payment(ach_account, preferred_integrations=[first, second, "Nope"]),
        status=400,
    )
    assert_mappr_error(answer, code="PAYMENT_FAILED", status=400, details=True)
    reasons = answer["details"]["attempts"]
    assert [r["integration"] for r in reasons] == ["Nope", first, second]
    assert all(r["reason"] for r in reasons)


async def test_the_same_idempotency_key_pays_once(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    ach = register(rest, service.headers, stack, "ACH")
    key = f"pay-{uuid.uuid4()}"
    before = recorded(knobs, "ach")
    first = pay(rest, service.headers, payment(ach_account, preferred_integrations=[ach]), key=key)
    again = pay(rest, service.headers, payment(ach_account, preferred_integrations=[ach]), key=key)
    assert again == first
    assert recorded(knobs, "ach") - before == 1
    other = pay(
        rest,
        service.headers,
        payment(ach_account, amount=1, preferred_integrations=[ach]),
        status=409,
        key=key,
    )
    assert_mappr_error(other, code="CONFLICT", status=409)


async def test_a_reference_id_is_a_natural_key(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    ach = register(rest, service.headers, stack, "ACH")
    reference = f"ref-{uuid.uuid4()}"
    before = recorded(knobs, "ach")
    first = pay(
        rest,
        service.headers,
        payment(ach_account, reference_id=reference, preferred_integrations=[ach]),
    )
    again = pay(
        rest,
        service.headers,
        payment(ach_account, reference_id=reference, preferred_integrations=[ach]),
    )
    assert again["transaction_id"] == first["transaction_id"]
    assert recorded(knobs, "ach") - before == 1
    pay(rest, service.headers, payment(ach_account, reference_id=reference, amount=3), status=409)


async def test_fifty_concurrent_identical_requests_make_one_payment(
    ach_account, rest, db, stack, knobs, service, rails_reset
):
    ach = register(rest, service.headers, stack, "ACH")
    key = f"burst-{uuid.uuid4()}"
    before = recorded(knobs, "ach")
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/banking/payments",
                    json=payment(ach_account, preferred_integrations=[ach]),
                    headers={**service.headers, "Idempotency-Key": key},
                )
                for _ in range(50)
            )
        )
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409} and 201 in codes, codes
    assert len({r.json()["transaction_id"] for r in responses if r.status_code == 201}) == 1
    assert recorded(knobs, "ach") - before == 1
    async with db.transaction() as s:
        count = await s.scalar(
            text(
                "SELECT count(*) FROM gateway_payments p JOIN service_principals s"
                " ON s.user_id = p.principal_id WHERE s.name = :n"
            ),
            {"n": service.name},
        )
    assert count == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 10.005}, "amount"),
        ({"currency": "JPY", "amount": 10.5}, "amount"),
        ({"currency": "ZZZ"}, "currency"),
        ({"to_account": None}, "to_account"),
        ({"description": ""}, "description"),
        ({"scheduled_date": "tomorrow"}, "scheduled_date"),
    ],
)
async def test_bad_payments_are_400_and_pay_nothing(
    rest, db, stack, knobs, service, override, field, ach_account
):
    ach = register(rest, service.headers, stack, "ACH")
    before = recorded(knobs, "ach")
    answer = pay(
        rest,
        service.headers,
        payment(ach_account, preferred_integrations=[ach], **override),
        status=400,
    )
    assert_mappr_error(answer, code="INVALID_INPUT", status=400, details=True)
    assert answer["details"]["errors"][0]["field"] == field
    assert recorded(knobs, "ach") == before


async def test_a_scheduled_payment_waits_for_its_time(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    ach = register(rest, service.headers, stack, "ACH")
    before = recorded(knobs, "ach")
    body = pay(
        rest,
        service.headers,
        payment(ach_account, scheduled_date="2999-01-01T00:00:00Z", preferred_integrations=[ach]),
    )
    assert body["integration_used"] == ach
    async with db.transaction() as s:
        status = await s.scalar(
            text("SELECT status FROM gateway_payments WHERE id = :p"),
            {"p": uuid.UUID(body["transaction_id"])},
        )
    assert status == "SCHEDULED" and recorded(knobs, "ach") == before


async def test_status_of_completed_unknown_and_foreign_payments(
    rest, db, stack, knobs, service, rails_reset, ach_account
):
    from tests.rest.gateway.conftest import make_service

    ach = register(rest, service.headers, stack, "ACH")
    body = pay(rest, service.headers, payment(ach_account, preferred_integrations=[ach]))
    status = call(
        rest,
        "POST",
        "/api/v1/banking/payments/status",
        200,
        json={
            "transaction_mappings": {ach: [body["transaction_id"]], "Other": [str(uuid.uuid4())]}
        },
        headers=service.headers,
    )
    assert set(status) == {"success", "payment_status"}
    # Pending when made; the rail settles it by the next read, which the status refreshes.
    assert status["payment_status"][ach] == "COMPLETED"
    assert status["payment_status"]["Other"] == "NOT_FOUND"
    stranger = await make_service(rest, db)
    theirs = call(
        rest,
        "POST",
        "/api/v1/banking/payments/status",
        200,
        json={"transaction_mappings": {ach: [body["transaction_id"]]}},
        headers=stranger.headers,
    )
    assert theirs["payment_status"] == {ach: "NOT_FOUND"}
