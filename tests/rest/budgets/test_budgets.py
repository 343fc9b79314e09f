"""Budget routes (seed 004 "Budget Endpoints") and the four organization-context sources."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.factories.auth import sign_up
from tests.factories.organizations import make_team
from tests.rest.client import RFC3339_Z, UUID, assert_mappr_error, bearer, call

SEED_BODY = {
    "name": "Monthly Groceries",
    "amount": 600.00,
    "period": "MONTHLY",
    "sourceType": "CATEGORY",
    "sourceId": "cat_food_123",
    "alerts": [
        {"threshold": 50, "enabled": True},
        {"threshold": 75, "enabled": True},
        {"threshold": 90, "enabled": True},
    ],
}
CREATED_KEYS = {
    "id",
    "name",
    "amount",
    "period",
    "sourceType",
    "sourceId",
    "spent",
    "remaining",
    "percentUsed",
    "status",
    "startDate",
    "endDate",
    "createdAt",
    "alerts",
}


def create(rest, token, body=None, *, status=201, path="/api/v1/budgets", **kwargs):
    return call(rest, "POST", path, status, json=body or SEED_BODY, headers=bearer(token), **kwargs)


def test_create__seed_example_gives_documented_201(rest):
    user = sign_up(rest)
    data = create(rest, user.token)["data"]
    assert set(data) == CREATED_KEYS
    assert UUID.match(data["id"]) and RFC3339_Z.match(data["createdAt"])
    assert (data["name"], data["amount"], data["period"]) == ("Monthly Groceries", 600, "MONTHLY")
    assert (data["sourceType"], data["sourceId"]) == ("CATEGORY", "cat_food_123")
    assert (data["spent"], data["remaining"], data["percentUsed"], data["status"]) == (
        0,
        600,
        0,
        "ON_TRACK",
    )
    start = dt.date.fromisoformat(data["startDate"])
    assert start == dt.datetime.now(dt.UTC).date()
    end = dt.date.fromisoformat(data["endDate"])
    assert start < end <= start + dt.timedelta(days=31)
    assert [a["threshold"] for a in data["alerts"]] == [50, 75, 90]
    for alert in data["alerts"]:
        assert set(alert) == {"id", "threshold", "enabled", "triggered"}
        assert alert["enabled"] is True and alert["triggered"] is False


def test_create__the_organization_example_with_cycle(rest, mail_dir):
    team = make_team(rest, mail_dir)
    body = {"name": "Q1 Marketing Budget", "amount": 5000, "cycle": "MONTHLY"}
    data = create(
        rest,
        team.editor.token,
        {**body, "organizationId": team.org_id},
        path=f"/api/v1/budgets?organizationId={team.org_id}",
    )["data"]
    assert (data["period"], data["sourceType"]) == ("MONTHLY", "ALL")
    assert data["sourceId"] is None
    listed = call(
        rest,
        "GET",
        f"/api/v1/budgets?organizationId={team.org_id}",
        200,
        headers=bearer(team.viewer.token),
    )
    assert [b["id"] for b in listed["data"]] == [data["id"]]


def test_create__invalid_input_lists_each_field_and_stores_nothing(rest):
    user = sign_up(rest)
    body = call(
        rest,
        "POST",
        "/api/v1/budgets",
        400,
        json={
            "name": "",
            "amount": -5,
            "period": "WEEKLY",
            "sourceType": "CATEGORY",
            "alerts": [{"threshold": 0}, {"threshold": 50}, {"threshold": 50}],
        },
        headers=bearer(user.token),
    )
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    # The declared rules first, every broken one named; the rules between fields and over
    # several items (the domain's) once those hold.
    fields = {e["field"] for e in body["details"]["errors"]}
    assert fields == {"name", "amount", "period", "alerts[0].threshold"}
    body = call(
        rest,
        "POST",
        "/api/v1/budgets",
        400,
        json={
            "name": "Food",
            "amount": 5.001,
            "period": "MONTHLY",
            "sourceType": "CATEGORY",
            "alerts": [{"threshold": 50}, {"threshold": 50}],
        },
        headers=bearer(user.token),
    )
    fields = {e["field"] for e in body["details"]["errors"]}
    assert fields == {"amount", "sourceId", "alerts[1].threshold"}
    listed = call(rest, "GET", "/api/v1/budgets", 200, headers=bearer(user.token))
    assert listed["data"] == [] and listed["pagination"]["total"] == 0


def test_custom_period_needs_dates(rest):
    user = sign_up(rest)
    body = create(rest, user.token, {"name": "Trip", "amount": 900, "period": "CUSTOM"}, status=400)
    assert {e["field"] for e in body["details"]["errors"]} == {"startDate", "endDate"}
    data = create(
        rest,
        user.token,
        {
            "name": "Trip",
            "amount": 900,
            "period": "CUSTOM",
            "startDate": "2031-03-01",
            "endDate": "2031-03-15",
        },
    )["data"]
    assert (data["startDate"], data["endDate"]) == ("2031-03-01", "2031-03-15")


def test_list__documented_envelope_with_pagination_and_summary(rest):
    user = sign_up(rest)
    for i in range(3):
        create(rest, user.token, {**SEED_BODY, "name": f"Budget {i}", "amount": 100 + i})
    body = call(rest, "GET", "/api/v1/budgets?limit=2&page=1", 200, headers=bearer(user.token))
    assert set(body) == {"success", "data", "pagination", "summary"}
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    assert [b["name"] for b in body["data"]] == ["Budget 2", "Budget 1"]
    for item in body["data"]:
        assert set(item) == {
            "id",
            "name",
            "amount",
            "period",
            "spent",
            "remaining",
            "percentUsed",
            "status",
            "startDate",
            "endDate",
            "createdAt",
        }
    assert body["summary"] == {
        "totalBudgets": 3,
        "onTrack": 3,
        "atRisk": 0,
        "exceeded": 0,
        "totalBudgeted": 303,
        "totalSpent": 0,
    }
    page2 = call(rest, "GET", "/api/v1/budgets?limit=2&page=2", 200, headers=bearer(user.token))
    assert [b["name"] for b in page2["data"]] == ["Budget 0"]
    filtered = call(rest, "GET", "/api/v1/budgets?status=AT_RISK", 200, headers=bearer(user.token))
    assert filtered["data"] == [] and filtered["summary"]["totalBudgets"] == 0


def test_list__bad_paging_and_filters_are_400(rest):
    user = sign_up(rest)
    body = call(
        rest, "GET", "/api/v1/budgets?limit=101&period=DAILY", 400, headers=bearer(user.token)
    )
    assert_mappr_error(body, code="INVALID_INPUT", status=400, details=True)
    assert {e["field"] for e in body["details"]["errors"]} == {"limit", "period"}


def test_get__documented_detail(rest):
    user = sign_up(rest)
    created = create(rest, user.token)["data"]
    data = call(rest, "GET", f"/api/v1/budgets/{created['id']}", 200, headers=bearer(user.token))[
        "data"
    ]
    assert set(data) == {
        "id",
        "name",
        "amount",
        "period",
        "sourceType",
        "sourceId",
        "spent",
        "remaining",
        "percentUsed",
        "status",
        "startDate",
        "endDate",
        "rolloverEnabled",
        "alerts",
        "transactions",
        "createdAt",
    }
    assert data["rolloverEnabled"] is False and data["transactions"] == []
    assert [a["id"] for a in data["alerts"]] == [a["id"] for a in created["alerts"]]


def test_update__documented_body_and_alerts_replaced(rest):
    user = sign_up(rest)
    created = create(rest, user.token)["data"]
    body = call(
        rest,
        "PUT",
        f"/api/v1/budgets/{created['id']}",
        200,
        json={
            "name": "Monthly Groceries & Dining",
            "amount": 700.00,
            "alerts": [{"threshold": t, "enabled": True} for t in (50, 75, 90, 100)],
        },
        headers=bearer(user.token),
    )
    data = body["data"]
    assert set(data) == {"id", "name", "amount", "spent", "remaining", "percentUsed", "updatedAt"}
    assert (data["name"], data["amount"], data["remaining"]) == (
        "Monthly Groceries & Dining",
        700,
        700,
    )
    assert RFC3339_Z.match(data["updatedAt"])
    detail = call(rest, "GET", f"/api/v1/budgets/{created['id']}", 200, headers=bearer(user.token))[
        "data"
    ]
    assert [a["threshold"] for a in detail["alerts"]] == [50, 75, 90, 100]
    assert detail["period"] == "MONTHLY"  # untouched


def test_delete__204_then_404(rest):
    user = sign_up(rest)
    created = create(rest, user.token)["data"]
    path = f"/api/v1/budgets/{created['id']}"
    call(rest, "DELETE", path, 204, headers=bearer(user.token))
    assert_mappr_error(
        call(rest, "GET", path, 404, headers=bearer(user.token)),
        code="RESOURCE_NOT_FOUND",
        status=404,
    )
    call(rest, "DELETE", path, 404, headers=bearer(user.token))
    call(rest, "GET", "/api/v1/budgets/not-a-uuid", 404, headers=bearer(user.token))


def test_every_context_source_reaches_the_same_organization(rest, mail_dir):
    team = make_team(rest, mail_dir)
    org = team.org_id
    token = team.editor.token
    made = [
        create(rest, token, path=f"/api/v1/organizations/{org}/budgets")["data"]["id"],
        create(rest, token, path=f"/api/v1/budgets?organizationId={org}")["data"]["id"],
        call(
            rest,
            "POST",
            "/api/v1/budgets",
            201,
            json=SEED_BODY,
            headers={"X-Organization-Id": org, **bearer(token)},
        )["data"]["id"],
        create(rest, token, {**SEED_BODY, "organizationId": org})["data"]["id"],
    ]
    listed = call(
        rest, "GET", f"/api/v1/organizations/{org}/budgets", 200, headers=bearer(team.viewer.token)
    )
    assert sorted(b["id"] for b in listed["data"]) == sorted(made)
    one = call(
        rest,
        "GET",
        f"/api/v1/organizations/{org}/budgets/{made[0]}",
        200,
        headers=bearer(team.viewer.token),
    )
    assert one["data"]["id"] == made[0]
    # The editor's personal workspace has none of them.
    mine = call(rest, "GET", "/api/v1/budgets", 200, headers=bearer(token))
    assert mine["data"] == []


def test_two_different_organizations_in_one_request_is_400(rest, mail_dir):
    team = make_team(rest, mail_dir)
    other = call(rest, "GET", "/api/v1/organizations", 200, headers=bearer(team.editor.token))
    personal = next(o["id"] for o in other["data"] if o["isPersonal"])
    for path, headers, body in [
        (f"/api/v1/budgets?organizationId={team.org_id}", {"X-Organization-Id": personal}, None),
        (f"/api/v1/organizations/{team.org_id}/budgets", {"X-Organization-Id": personal}, None),
        (
            "/api/v1/budgets",
            {"X-Organization-Id": team.org_id},
            {**SEED_BODY, "organizationId": personal},
        ),
        (
            f"/api/v1/budgets?organizationId={personal}",
            {},
            {**SEED_BODY, "organizationId": team.org_id},
        ),
    ]:
        method = "POST" if body else "GET"
        response = call(
            rest,
            method,
            path,
            400,
            json=body,
            headers={**headers, **bearer(team.editor.token)},
        )
        assert_mappr_error(response, code="INVALID_INPUT", status=400, details=True)
    # Nothing was written anywhere.
    for org in (team.org_id, personal):
        listed = call(
            rest,
            "GET",
            f"/api/v1/budgets?organizationId={org}",
            200,
            headers=bearer(team.editor.token),
        )
        assert listed["data"] == []


def test_viewer_reads_but_cannot_write(rest, mail_dir):
    team = make_team(rest, mail_dir)
    org = team.org_id
    made = create(rest, team.owner.token, path=f"/api/v1/organizations/{org}/budgets")["data"]
    viewer = bearer(team.viewer.token)
    base = f"/api/v1/organizations/{org}/budgets"
    call(rest, "GET", f"{base}/{made['id']}", 200, headers=viewer)
    for method, path, body in [
        ("POST", base, SEED_BODY),
        ("PUT", f"{base}/{made['id']}", {"name": "x"}),
        ("DELETE", f"{base}/{made['id']}", None),
    ]:
        response = call(rest, method, path, 403, json=body, headers=viewer)
        assert_mappr_error(response, code="FORBIDDEN", status=403)
    assert call(rest, "GET", f"{base}/{made['id']}", 200, headers=viewer)["data"]["name"] == (
        "Monthly Groceries"
    )


def test_another_tenants_budget_is_404_under_every_route(rest, mail_dir):
    team = make_team(rest, mail_dir)
    made = create(rest, team.owner.token, path=f"/api/v1/organizations/{team.org_id}/budgets")
    budget_id = made["data"]["id"]
    stranger = sign_up(rest)
    headers = bearer(stranger.token)
    # By its id in the stranger's own organization: not found.
    for method, body in [("GET", None), ("PUT", {"name": "stolen"}), ("DELETE", None)]:
        response = call(
            rest, method, f"/api/v1/budgets/{budget_id}", 404, json=body, headers=headers
        )
        assert_mappr_error(response, code="RESOURCE_NOT_FOUND", status=404)
    # Naming the other organization: not a member, so not found either.
    response = call(
        rest, "GET", f"/api/v1/organizations/{team.org_id}/budgets", 404, headers=headers
    )
    assert_mappr_error(response, code="RESOURCE_NOT_FOUND", status=404)
    response = call(
        rest,
        "GET",
        f"/api/v1/budgets?organizationId={uuid.uuid4()}",
        404,
        headers=headers,
    )
    detail = call(
        rest,
        "GET",
        f"/api/v1/budgets/{budget_id}?organizationId={team.org_id}",
        200,
        headers=bearer(team.owner.token),
    )
    assert detail["data"]["name"] == "Monthly Groceries"


def test_plan_limit__the_sixth_budget_on_free_is_403_with_details(rest):
    user = sign_up(rest)
    for i in range(5):
        create(rest, user.token, {**SEED_BODY, "name": f"B{i}"})
    body = create(rest, user.token, status=403)
    assert_mappr_error(body, code="PLAN_LIMIT_EXCEEDED", status=403, details=True)
    assert body["details"] == {"current": 5, "limit": 5, "plan": "FREE"}
    listed = call(rest, "GET", "/api/v1/budgets", 200, headers=bearer(user.token))
    assert listed["pagination"]["total"] == 5


def test_plan_limit__the_organization_owners_plan_applies_to_members(rest, mail_dir):
    team = make_team(rest, mail_dir)
    path = f"/api/v1/organizations/{team.org_id}/budgets"
    for _ in range(5):
        create(rest, team.editor.token, path=path)
    body = create(rest, team.editor.token, path=path, status=403)
    assert body["details"]["plan"] == "FREE"
    # The billing owner upgrades: the editor may create more at once.
    call(
        rest,
        "POST",
        "/api/v1/subscriptions/subscribe",
        201,
        json={"planId": "plan_pro", "paymentMethodId": "pm_card_visa"},
        headers=bearer(team.owner.token),
    )
    create(rest, team.editor.token, path=path)
    # And the owner cannot go back to FREE while the organization holds 6 budgets.
    refused = call(
        rest,
        "PUT",
        "/api/v1/subscriptions/change-plan",
        403,
        json={"planId": "plan_free"},
        headers=bearer(team.owner.token),
    )
    assert refused["code"] == "PLAN_LIMIT_EXCEEDED"
    assert (refused["details"]["current"], refused["details"]["limit"]) == (6, 5)
    assert refused["details"]["resource"] == "budgets"
