"""Every mutation leaves an audit row: who, which organization, what, which target, which
request (the id Envoy put on the request and the response)."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories.auth import sign_up
from tests.factories.organizations import personal_org_id
from tests.rest.budgets.test_budgets import SEED_BODY
from tests.rest.client import bearer


async def _rows(db, target_id: str) -> list[dict]:
    async with db.read() as s:
        result = await s.execute(
            text(
                "SELECT action, actor_id::text, organization_id::text, target_type, request_id"
                " FROM audit_log WHERE target_id = :t ORDER BY occurred_at"
            ),
            {"t": target_id},
        )
        return [dict(r._mapping) for r in result]


async def test_budget_mutations_are_audited_with_the_request_id(rest, db):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    created = rest.post("/api/v1/budgets", json=SEED_BODY, headers=bearer(user.token))
    assert created.status_code == 201
    budget_id = created.json()["data"]["id"]
    updated = rest.put(
        f"/api/v1/budgets/{budget_id}", json={"amount": 700}, headers=bearer(user.token)
    )
    deleted = rest.delete(f"/api/v1/budgets/{budget_id}", headers=bearer(user.token))
    assert (updated.status_code, deleted.status_code) == (200, 204)
    rows = await _rows(db, budget_id)
    assert [r["action"] for r in rows] == ["budget.create", "budget.update", "budget.delete"]
    for row, response in zip(rows, (created, updated, deleted), strict=True):
        assert row["actor_id"] == user.user["id"] and row["organization_id"] == org
        assert row["target_type"] == "budget"
        assert row["request_id"] == response.headers["x-request-id"]


async def test_refused_mutations_leave_no_audit_row(rest, db):
    user = sign_up(rest)
    bad = rest.post("/api/v1/budgets", json={"name": ""}, headers=bearer(user.token))
    assert bad.status_code == 400
    async with db.read() as s:
        count = (
            await s.execute(
                text("SELECT count(*) FROM audit_log WHERE request_id = :r"),
                {"r": bad.headers["x-request-id"]},
            )
        ).scalar_one()
    assert count == 0


async def test_sign_up_and_subscription_changes_are_audited(rest, db):
    user = sign_up(rest)
    rows = await _rows(db, user.user["id"])
    assert [r["action"] for r in rows] == ["user.sign_up"]
    response = rest.post(
        "/api/v1/subscriptions/subscribe",
        json={"planId": "plan_pro", "paymentMethodId": "pm_card_visa"},
        headers=bearer(user.token),
    )
    assert response.status_code == 201
    rows = await _rows(db, response.json()["data"]["id"])
    assert [(r["action"], r["actor_id"]) for r in rows] == [
        ("subscription.subscribe", user.user["id"])
    ]


async def test_a_call_whose_change_is_no_row_of_ours_is_audited_in_its_own_transaction(rest, db):
    # Forgot-password queues a job and writes nothing itself: the audit interceptor writes
    # the declared entry once the call succeeded, for any address alike.
    response = rest.post("/api/v1/auth/forgot-password", json={"email": "nobody@example.com"})
    assert response.status_code == 200
    async with db.read() as s:
        rows = (
            await s.execute(
                text("SELECT action, actor_id, target_id FROM audit_log WHERE request_id = :r"),
                {"r": response.headers["x-request-id"]},
            )
        ).all()
    assert [tuple(r) for r in rows] == [("user.forgot_password", None, None)]


async def test_sign_in_and_sign_out_are_audited_once_each(rest, db):
    user = sign_up(rest)
    signed_in = rest.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": user.password}
    )
    assert signed_in.status_code == 200
    token = signed_in.json()["data"]["session"]["token"]
    signed_out = rest.post("/api/v1/auth/sign-out", headers=bearer(token))
    assert signed_out.status_code == 200
    async with db.read() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT action, actor_id::text, request_id FROM audit_log"
                    " WHERE request_id IN (:a, :b) ORDER BY occurred_at"
                ),
                {"a": signed_in.headers["x-request-id"], "b": signed_out.headers["x-request-id"]},
            )
        ).all()
    assert [(r[0], r[1]) for r in rows] == [
        ("user.sign_in", user.user["id"]),
        ("session.sign_out", user.user["id"]),
    ]
